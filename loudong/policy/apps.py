from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "loudong.policy"
    verbose_name = "政策参数"
