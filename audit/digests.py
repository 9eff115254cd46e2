"""The keyed hash an ID number is recorded and searched by: never the number itself (PIPL).

HMAC-SHA-256 of the normalised number (``registry.identifiers.normalize_identifier``: full-width digits,
spaces, dashes, a lower-case x all give one form) under a key derived from ``SECRET_KEY``, in full (64 hex
characters). Without the key a digest cannot be tested against the billion-odd possible numbers; with it,
an auditor who types a number finds its rows. A search also tries ``SECRET_KEY_FALLBACKS``, so rows written
before a rotation of the key are still found while the old key is kept as a fallback.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.crypto import salted_hmac

from registry.identifiers import normalize_identifier

KEY_SALT = "audit.EligibilityQuestion.id_number"


def id_number_digest(id_number: str, *, secret: str | None = None) -> str:
    """The digest rows are written with (``secret``: ``SECRET_KEY`` unless named)."""
    # A number as the API passes it on (ASCII letters and digits) is normalised by upper-casing it alone.
    number = id_number.upper() if id_number.isascii() and id_number.isalnum() else normalize_identifier(id_number)
    return salted_hmac(KEY_SALT, number, secret=secret, algorithm="sha256").hexdigest()


def id_number_digests(id_number: str) -> list[str]:
    """Every digest a row about this number may carry: under ``SECRET_KEY``, then each fallback key."""
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return [id_number_digest(id_number, secret=secret) for secret in secrets]
