from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "loudong.ops"
    verbose_name = "运行维护"
