"""Scheduled clean-up of credentials: expired admin login sessions (the job ``clearsessions`` does by hand)."""

from __future__ import annotations

import logging
from importlib import import_module

from celery import shared_task
from django.conf import settings

log = logging.getLogger(__name__)


@shared_task(name="accounts.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Delete expired staff login sessions; person sessions stay, as a record of who opened them."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    log.info("expired admin sessions cleared")
