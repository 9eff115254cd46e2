"""System checks of a production deployment; config/settings/production.py registers them.

They are errors, not warnings: ``check``, ``migrate`` (docker compose runs it before the web process and
the workers may start) and ``runserver`` refuse to go on while one fails. Django's own ``security.W009``
says much the same under ``check --deploy``, as a warning only.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error

# Django's own bar (security.W009): at least 50 characters, at least 5 different ones.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
# Words that mark a key as a placeholder or one made for development: the base settings' default
# ("insecure-development-key-change-me"), startproject's "django-insecure-…", the keys of CI and the
# benchmarks, the usual placeholders. A random key never contains one.
DEVELOPMENT_KEY_MARKERS = (
    "insecure",
    "changeme",
    "change-me",
    "change_me",
    "development",
    "not-secret",
    "not-for-production",
    "example",
    "placeholder",
)


def secret_key_problem(key: str) -> Error | None:
    """What is wrong with a production SECRET_KEY, as a check error (config.E001, config.E002), or None."""
    lowered = key.lower()
    marker = next((m for m in DEVELOPMENT_KEY_MARKERS if m in lowered), None)
    if marker is not None:
        return Error(
            f"DJANGO_SECRET_KEY is a development or placeholder key (it contains {marker!r}).",
            hint="Generate one for this deployment: python -c 'import secrets; print(secrets.token_urlsafe(50))'",
            id="config.E002",
        )
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return Error(
            f"DJANGO_SECRET_KEY has {len(key)} characters ({len(set(key))} different); production needs at least "
            f"{SECRET_KEY_MIN_LENGTH} ({SECRET_KEY_MIN_UNIQUE_CHARACTERS} different).",
            hint="Generate one: python -c 'import secrets; print(secrets.token_urlsafe(50))'",
            id="config.E001",
        )
    return None


def deployment_secret_key(app_configs=None, **kwargs) -> list[Error]:
    """The signing key of sessions, tokens' digests, reveal records and ID-number digests is not a toy."""
    problem = secret_key_problem(settings.SECRET_KEY)
    return [problem] if problem else []
