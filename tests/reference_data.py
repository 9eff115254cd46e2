"""The seeded reference data (regions, channels, policy rows, holidays), loaded again when needed."""

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
