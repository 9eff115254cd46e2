"""Signing a webhook body (no Django): HMAC-SHA256 over "<timestamp>.<body>", sent as ``X-Signature``.

The header reads ``t=<unix seconds>,v1=<hex digest>``. A receiver recomputes the digest with
the channel's secret over the timestamp, a dot and the raw body, compares it in constant time,
and refuses a timestamp outside its tolerance (five minutes is usual), so that a captured
request cannot be replayed later. ``verify`` is that check, for receivers written in Python.
"""

from __future__ import annotations

import hashlib
import hmac
import re

HEADER = "X-Signature"
SCHEME = "v1"

# The only header a receiver accepts: exactly these two fields, in ASCII, the timestamp as the
# sender writes it (decimal, no sign, no leading zero, no spaces) and the digest as 64 lower-case
# hex digits. int() alone would also take "+17", " 17", "1_7" or Arabic-Indic digits.
TIMESTAMP = re.compile(r"0|[1-9][0-9]{0,14}")
DIGEST = re.compile(r"[0-9a-f]{64}")


def digest(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    return f"t={timestamp},{SCHEME}={digest(secret, body, timestamp)}"


def verify(secret: str, body: bytes, header: str, *, now: float, tolerance: int = 300) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` at a time within ``tolerance`` seconds of ``now``.

    Never raises: a missing, malformed or non-text header (None, bytes, non-ASCII, a digest of the
    wrong length or not hex, a timestamp missing or not a plain number, a field given twice or
    unknown), a body that is not bytes, an empty secret or a ``now`` that is not a number all give
    False.
    """
    if not (isinstance(header, str) and isinstance(secret, str) and secret):
        return False
    if not isinstance(body, bytes | bytearray | memoryview):
        return False
    fields: dict[str, str] = {}
    for part in header.split(","):
        name, sep, value = part.partition("=")
        if not sep or name in fields or name not in ("t", SCHEME):
            return False
        fields[name] = value
    given, stamp = fields.get(SCHEME, ""), fields.get("t", "")
    if not (DIGEST.fullmatch(given) and TIMESTAMP.fullmatch(stamp)):
        return False
    timestamp = int(stamp)
    try:
        if not abs(now - timestamp) <= tolerance:  # written so that NaN is refused too
            return False
        expected = digest(secret, bytes(body), timestamp)
    except (TypeError, ValueError, OverflowError):  # now not a number; a secret that cannot be encoded
        return False
    return hmac.compare_digest(given.encode("ascii"), expected.encode("ascii"))
