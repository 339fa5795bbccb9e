from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "loudong.accounts"
    verbose_name = "账号与审计"

    def ready(self):
        from loudong.accounts import signals  # noqa: F401  (login/logout audit)
