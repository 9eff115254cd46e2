from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and credentials")

    def ready(self) -> None:
        from django.contrib import admin
        from django.db.models.signals import post_migrate

        import accounts.signals  # noqa: F401  (staff tokens die with their user's password)
        from accounts.forms import StaffLoginForm
        from accounts.history import actor_names
        from accounts.roles import sync_role_permissions

        # The admin's login says why a right password may not log in (deactivated, no role).
        admin.site.login_form = StaffLoginForm
        # Pages of ``config`` (a record's task gone stale) name who acted as the histories do.
        admin.site.register_actor_names(actor_names)

        # Permissions exist only after every app has migrated, so roles get theirs then.
        post_migrate.connect(sync_role_permissions, dispatch_uid="accounts.sync_role_permissions")
        post_migrate.connect(create_cache_table, dispatch_uid="accounts.create_cache_table")
        post_migrate.connect(ensure_append_only_on_sqlite, dispatch_uid="accounts.ensure_append_only_on_sqlite")


def create_cache_table(sender=None, using="default", verbosity=0, **kwargs) -> None:
    """The database cache's table (the throttles' shared counters when there is no Redis), after every migrate.

    ``createcachetable`` creates only what ``CACHES`` names and skips tables that exist, so this is
    cheap, idempotent, and does nothing when the cache is Redis (or memory, in tests).
    """
    if sender is None or sender.name != "accounts":
        return
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


def ensure_append_only_on_sqlite(sender=None, using="default", **kwargs) -> None:
    """Every event table refuses UPDATE and DELETE on SQLite too, whatever migrations rebuilt it.

    PostgreSQL gets this from pgtrigger on the models. SQLite has no ALTER for most changes: a
    migration that alters an event table copies it into a new one, and triggers do not follow, so
    they are (re)created after every migrate rather than once.
    """
    from django.apps import apps
    from django.db import connections

    from accounts.models import StateEvent
    from config.migration_ops import create_sqlite_append_only_triggers

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    tables = set(connection.introspection.table_names())
    for model in apps.get_models():
        if issubclass(model, StateEvent) and model._meta.db_table in tables:
            create_sqlite_append_only_triggers(connection, model._meta.db_table)
