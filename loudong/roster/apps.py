from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "loudong.roster"
    verbose_name = "楼栋长队伍"
