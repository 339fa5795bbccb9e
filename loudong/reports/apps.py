from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "loudong.reports"
    verbose_name = "统计报表"

    def ready(self):
        # Each app contributes its dashboards in its own ``dashboards`` module.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("dashboards")
