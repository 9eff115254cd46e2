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


# Characters that draw nothing but are not format characters: Hangul fillers, the braille blank,
# Khmer's inherent vowels, the Mongolian vowel separator.
_BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5\u180e")
# What an identifier is made of once normalised; anything else is refused, not silently kept.
IDENTIFIER_RE = re.compile(r"^[0-9A-Z]+$")


def _visible(text: str) -> str:
    """NFKC; every decimal digit of any script as its ASCII digit (٣ → 3); without combining and enclosing
    marks (Mn, Me), format characters (Cf: zero-width spaces and joiners, soft hyphen, BOM), controls
    and characters that draw nothing."""
    out = []
    for ch in unicodedata.normalize("NFKC", text or ""):
        category = unicodedata.category(ch)
        if category in ("Mn", "Me", "Cf", "Cc") or ch in _BLANKS:
            continue
        digit = unicodedata.decimal(ch, None) if category == "Nd" else None
        out.append(str(digit) if digit is not None else ch)
    return "".join(out)


def normalize_identifier(value: str) -> str:
    """The comparable form of a code or number: NFKC, ASCII digits, no separators, spaces or invisible
    characters, upper case. The result may still hold other characters: ``is_identifier`` says whether
    it is made of digits and Latin letters only.

    >>> normalize_identifier(" ３５０２－ab\u200b12 ")
    '3502AB12'
    >>> normalize_identifier("٣١٠")
    '310'
    """
    return _SEPARATORS.sub("", _visible(value)).upper()


def is_identifier(normalised: str) -> bool:
    """Whether a normalised identifier is made of ASCII digits and letters only (``+110001`` is not)."""
    return bool(IDENTIFIER_RE.match(normalised))


def invoice_identity(code: str, number: str) -> str:
    """One medical invoice nationally: its 票据代码 and 票据号码, normalised, whatever the issuer is called.

    A part made of digits only is compared without its leading zeros (``00110001`` is ``110001``).
    """
    return f"{_significant(normalize_identifier(code))}/{_significant(normalize_identifier(number))}"


def _significant(part: str) -> str:
    return (part.lstrip("0") or "0") if part.isdigit() else part


def name_key(name: str) -> str:
    """How a name (a person's, an institution's) is compared: NFKC, no spaces or invisible characters, upper case."""
    return institution_name_key(name)


def institution_name_key(name: str) -> str:
    """How an institution's name is compared: NFKC, no spaces or invisible characters, upper case."""
    return "".join(ch for ch in _visible(name) if not ch.isspace() and unicodedata.category(ch) != "Zs").upper()


def institution_name_keys(catalogue_name: str) -> tuple[str, ...]:
    """The spellings a catalogue entry answers to: its name, and its name without a trailing suffix."""
    key = institution_name_key(catalogue_name)
    bare = _TRAILING_SUFFIX.sub("", key)
    return (key, bare) if bare and bare != key else (key,)
