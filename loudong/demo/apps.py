from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "loudong.demo"
    verbose_name = "演示数据"
