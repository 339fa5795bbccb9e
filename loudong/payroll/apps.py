from django.apps import AppConfig


class PayrollConfig(AppConfig):
    name = "loudong.payroll"
    verbose_name = "补贴与保险"

    def ready(self):
        # The roster asks who is insured through an explicit hook (roster/hooks.py), so its
        # compliance page shows the truth without importing payroll.
        from loudong.payroll import coverage
        from loudong.roster import hooks

        hooks.insured_persons.provide(coverage.insured_persons)
