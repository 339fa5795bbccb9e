from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "loudong.territory"
    verbose_name = "辖区台账"
