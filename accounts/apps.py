from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and sessions"

    def ready(self) -> None:
        from accounts import middleware

        middleware.connect()

        from accounts import mfa_middleware

        mfa_middleware.connect()

        from accounts import signals

        signals.connect()
