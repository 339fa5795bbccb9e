from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "loudong.community"
    verbose_name = "社区共治"
