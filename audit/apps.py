from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Tables of this app that refuse UPDATE and DELETE (pgtrigger on PostgreSQL; triggers of their own on SQLite).
APPEND_ONLY_TABLES = ("audit_eligibilityquestion",)


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit: events across records and reads of personal data")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from audit.receivers import record_eligibility_answer
        from filings.api.views import eligibility_answered

        eligibility_answered.connect(record_eligibility_answer, dispatch_uid="audit.record_eligibility_answer")
        post_migrate.connect(ensure_append_only_on_sqlite, dispatch_uid="audit.ensure_append_only_on_sqlite")


def ensure_append_only_on_sqlite(sender=None, using="default", **kwargs) -> None:
    """The record of eligibility answers refuses UPDATE and DELETE on SQLite too, after every migrate (a
    migration that rebuilds the table, or a test's flush, drops its triggers; ``accounts.apps`` does the
    same for the event tables)."""
    from django.db import connections

    from config.migration_ops import create_sqlite_append_only_triggers

    if sender is None or sender.name != "audit":
        return
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    tables = set(connection.introspection.table_names())
    for table in APPEND_ONLY_TABLES:
        if table in tables:
            create_sqlite_append_only_triggers(connection, table)
