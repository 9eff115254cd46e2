"""The seeded reference data (regions, channels, policy rows, holidays), loaded again when needed; the flush
after a transactional test, allowed on SQLite."""

from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython


def reseed_reference_data() -> None:
    """Load the seeded reference data again when an earlier transactional test has flushed it.

    A transactional test ends by emptying every table; on the same worker a later one would find no
    channels, regions or policy rows. The data migrations' loaders are idempotent: run them again
    (the roles' groups come back by themselves after a flush).
    """
    from accounts.models import Channel

    if Channel.objects.exists():
        return
    loader = MigrationLoader(connection)
    plan: list[tuple[str, str]] = []
    for leaf in loader.graph.leaf_nodes():
        plan += [key for key in loader.graph.forwards_plan(leaf) if key not in plan]
    with connection.schema_editor() as editor:
        for key in plan:
            for operation in loader.graph.nodes[key].operations:
                if isinstance(operation, RunPython):
                    operation.code(django_apps, editor)


def allow_flush_on_sqlite() -> None:
    """Let the flush after a transactional test empty the append-only event tables on SQLite.

    Their triggers refuse DELETE (PostgreSQL's flush is a TRUNCATE, which its row triggers let
    pass). The flush ends with ``post_migrate``, whose handler creates the triggers again.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        for (name,) in cursor.fetchall():
            if name.endswith("_no_delete"):
                cursor.execute(f'DROP TRIGGER "{name}"')
