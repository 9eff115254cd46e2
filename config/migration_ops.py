"""Migration operations shared by the apps."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


def create_sqlite_append_only_triggers(connection, table: str) -> None:
    """Create (if missing) the triggers that refuse UPDATE and DELETE on ``table`` under SQLite."""
    with connection.cursor() as cursor:
        for operation in ("UPDATE", "DELETE"):
            cursor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def append_only_on_sqlite(table: str) -> migrations.RunPython:
    """Triggers that refuse UPDATE and DELETE on ``table`` under SQLite.

    PostgreSQL gets the same guarantee from a pgtrigger ``Protect`` declared on the model;
    pgtrigger does nothing on SQLite, so the development and test database needs its own.
    """
    names = (f"{table}_no_update", f"{table}_no_delete")

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            create_sqlite_append_only_triggers(schema_editor.connection, table)

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for name in names:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")

    return migrations.RunPython(forwards, backwards)


class AddIndexWithoutLocking(AddIndexConcurrently):
    """``AddIndex`` built ``CONCURRENTLY`` on PostgreSQL, where a plain one would block writes to a big table.

    A filings table of millions of rows takes seconds to index; CONCURRENTLY lets filing and
    eligibility go on meanwhile. Other databases get a plain ``CREATE INDEX``. The migration
    must say ``atomic = False`` (PostgreSQL cannot build an index concurrently in a transaction).
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
