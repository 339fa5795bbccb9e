from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "loudong.roster"
    verbose_name = "楼栋长队伍"

    def ready(self):
        # The access layer asks which households a leader serves; it never imports the roster.
        from loudong.accounts.access import serves_households
        from loudong.roster.scope import served_households

        serves_households(served_households)
