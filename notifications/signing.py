"""Signing a webhook body (no Django): HMAC-SHA256 over "<timestamp>.<body>", sent as ``X-Signature``.

The header reads ``t=<unix seconds>,v1=<hex digest>``. A receiver recomputes the digest with
the channel's secret over the timestamp, a dot and the raw body, compares it in constant time,
and refuses a timestamp outside its tolerance (five minutes is usual), so that a captured
request cannot be replayed later. ``verify`` is that check, for receivers written in Python.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Signature"
SCHEME = "v1"


def digest(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    return f"t={timestamp},{SCHEME}={digest(secret, body, timestamp)}"


def verify(secret: str, body: bytes, header: str, *, now: float, tolerance: int = 300) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` at a time within ``tolerance`` seconds of ``now``."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
        given = fields[SCHEME]
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(given, digest(secret, body, timestamp))
