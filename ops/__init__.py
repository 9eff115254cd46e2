"""Operator scripts: back up a deployment (its PostgreSQL database and its uploaded files) and restore it.

    python -m ops.backup /backups/2026-12-01T0200        # a new or empty directory
    python -m ops.restore /backups/2026-12-01T0200      # into the empty database and storage the env names

Both read the deployment's settings as the application does (``DJANGO_SETTINGS_MODULE``, ``DATABASE_URL``,
``MEDIA_ROOT``); docs/operations/backups.md says what is kept, what is not, and how the drill tests it.
"""
