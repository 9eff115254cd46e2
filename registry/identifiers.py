"""How identifiers are normalised before they are compared, stored or counted (one place for every path).

An identifier typed by a person or read off paper comes in many spellings: full-width digits
(１２３), lower-case letters, spaces and dashes a clerk put in for readability, invisible
characters pasted from a PDF (zero-width space, soft hyphen, BOM). Two spellings of one
identifier must compare equal, so every path keys on the normalised form.
"""

from __future__ import annotations

import re
import unicodedata

# Separators people type inside numbers: dashes of every kind, slashes, dots, middle dots, underscores.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−_/\\.·・,，、:：]+")
# A trailing parenthetical suffix of a catalogue name, e.g. "（示例）" or "(东院)" (after NFKC: ASCII parentheses).
_TRAILING_SUFFIX = re.compile(r"\([^()]*\)$")


def _visible(text: str) -> str:
    """NFKC, then without format characters (Cf: zero-width spaces and joiners, soft hyphen, BOM) and controls."""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc"))


def normalize_identifier(value: str) -> str:
    """The comparable form of a code or number: NFKC, no separators or invisible characters, upper case.

    >>> normalize_identifier(" ３５０２－ab\u200b12 ")
    '3502AB12'
    """
    return _SEPARATORS.sub("", _visible(value)).upper()


def invoice_identity(code: str, number: str) -> str:
    """One medical invoice nationally: its 票据代码 and 票据号码, normalised, whatever the issuer is called."""
    return f"{normalize_identifier(code)}/{normalize_identifier(number)}"


def institution_name_key(name: str) -> str:
    """How an institution's name is compared: NFKC, no spaces or invisible characters, upper case."""
    return re.sub(r"\s+", "", _visible(name)).upper()


def institution_name_keys(catalogue_name: str) -> tuple[str, ...]:
    """The spellings a catalogue entry answers to: its name, and its name without a trailing suffix."""
    key = institution_name_key(catalogue_name)
    bare = _TRAILING_SUFFIX.sub("", key)
    return (key, bare) if bare and bare != key else (key,)
