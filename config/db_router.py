"""Reads to a streaming replica when one is configured; writes, and reads that must see them, to the primary.

``DATABASE_REPLICA_URL`` adds a ``replica`` alias (``config.settings.base``) and names it in
``DATABASE_REPLICA_ALIAS``; without it every query goes to ``default``, as if there were no router.
With it:

- Writes go to the primary, always.
- A read goes to the replica unless this request (or task, or command) has been *pinned* to the
  primary: by any write (``db_for_write`` pins for the rest of the request, so a request reads
  its own writes), by being an unsafe request (``PrimaryPinningMiddleware`` pins POST, PUT, PATCH
  and DELETE from the start: they read in order to write, idempotency records included), or by
  running inside a transaction on the primary (``atomic()``, ``select_for_update()``).
- Some apps are always read on the primary: credentials and counters a client uses right after
  another request wrote them (a session token just issued, a staff token, lockouts, throttle counts
  in the database cache, sessions). A replica a few milliseconds behind would refuse them.

The pin lives in a context variable: ``PrimaryPinningMiddleware`` clears it around each request.
Outside requests (Celery tasks, commands) a first write pins the rest of the process's work in that
thread to the primary, which is always safe.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

_pinned: ContextVar[bool] = ContextVar("database_pinned_to_primary", default=False)

# Read on the primary whatever the request: see the module's docstring.
PRIMARY_ONLY_APPS = frozenset({"accounts", "knox", "axes", "sessions", "django_cache", "django_celery_beat"})


def replica_alias() -> str | None:
    return getattr(settings, "DATABASE_REPLICA_ALIAS", None)


def pin_to_primary() -> None:
    """Send this request's (task's) remaining reads to the primary."""
    _pinned.set(True)


def is_pinned() -> bool:
    return _pinned.get()


def reset_pin():
    """Start unpinned (a new request); returns the token ``restore_pin`` takes back."""
    return _pinned.set(False)


def restore_pin(token) -> None:
    _pinned.reset(token)


def _in_transaction(connection) -> bool:
    """In ``atomic()`` on this connection; the block a test case wraps each test in does not count."""
    return connection.in_atomic_block and any(
        not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks
    )


class PrimaryReplicaRouter:
    """``DATABASE_ROUTERS = ["config.db_router.PrimaryReplicaRouter"]``."""

    def db_for_read(self, model, **hints):
        replica = replica_alias()
        if replica is None:
            return None  # no replica: Django's default routing
        if _pinned.get() or model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        if _in_transaction(connections[DEFAULT_DB_ALIAS]):
            return DEFAULT_DB_ALIAS  # a transaction on the primary reads there (select_for_update too)
        return replica

    def db_for_write(self, model, **hints):
        if replica_alias() is None:
            return None
        _pinned.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        replica = replica_alias()
        if replica is not None and {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, replica}:
            return True  # the same rows, wherever they were read
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db == "replica" or db == replica_alias():
            return False  # a streaming replica is read-only: it follows the primary's schema
        return None
