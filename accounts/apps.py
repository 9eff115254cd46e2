from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and credentials")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts.roles import sync_role_permissions

        # Permissions exist only after every app has migrated, so roles get theirs then.
        post_migrate.connect(sync_role_permissions, dispatch_uid="accounts.sync_role_permissions")
