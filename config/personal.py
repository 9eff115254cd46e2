"""How personal numbers are masked, in fields and in free text: the pure rules, with no Django import.

``registry.masking`` holds the list of personal fields and re-exports these; this module sits at the
bottom (``config``) so that the transition machine can mask a reason before any record stores it.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote_plus

# Full-width digits, X and dash read as ASCII (the rest of the text, its Chinese punctuation, is kept).
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ－", "0123456789Xx-")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# A run of digits, possibly in groups of three or more split by a space or a dash (a card written
# 6216 6100 0000 1234 567, a phone 139-0600-1234), possibly ending in X (an ID number); never a
# run glued to letters or digits (a reference like BX2026…, a longer number).
_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])\d{3,}(?:[ \-]\d{3,})*[Xx]?(?![0-9A-Za-z])")


def mask_id_number(value: str | None) -> str:
    """``350203195603120312`` → ``350203********0312``: the region and the last four stay readable."""
    if not value:
        return ""
    return value[:6] + "*" * 8 + value[-4:] if len(value) == 18 else "*" * len(value)


def mask_phone(value: str | None) -> str:
    """``13906001234`` → ``139****1234``; a landline keeps its area code and last four digits."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    head = 3 if len(value) == 11 and value.startswith("1") else 4
    return value[:head] + "*" * (len(value) - head - 4) + value[-4:]


def mask_bank_account(value: str | None) -> str:
    """``6216610000001234567`` → ``***************4567``: the last four, as on a bank's own slips."""
    if not value:
        return ""
    return "*" * max(len(value) - 4, 0) + value[-4:]


def mask_card_number(value: str | None) -> str:
    """A social security card number (``D35020077614``) → ``********7614``: the last four, as for bank cards."""
    return mask_bank_account(value)


def is_id_number(digits: str) -> bool:
    """18 characters whose last is the GB 11643 check digit of the first 17."""
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == digits[17].upper()


def passes_luhn(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _mask_candidate(match: re.Match) -> str:
    text = match.group(0)
    digits = re.sub(r"[ \-]", "", text)
    if is_id_number(digits):
        return mask_id_number(digits.upper())
    if digits.isdigit() and 13 <= len(digits) <= 19 and passes_luhn(digits):
        return mask_bank_account(digits)
    if digits.isdigit() and len(digits) == 11 and re.match(r"1[3-9]", digits):
        return mask_phone(digits)
    national = re.fullmatch(r"(?:0086|86)(1[3-9]\d{9})", digits)  # a mobile written with its country code
    if national:
        return digits[: -len(national.group(1))] + mask_phone(national.group(1))
    return text


def mask_free_text(text: str | None) -> str:
    """Free text (a reason, a note) with every identifier in it masked: ID numbers with a valid check digit,
    bank card numbers passing Luhn, mainland mobile numbers; full-width digits count as digits.

    >>> mask_free_text("请核对 350203195603120312，电话 139 0600 1234")
    '请核对 350203********0312，电话 139****1234'
    """
    if not text:
        return text or ""
    return _CANDIDATE.sub(_mask_candidate, text.translate(_FULL_WIDTH))


# In a log line (a request path, a query string), any run of 11 to 19 digits not glued to letters is
# masked whether or not it is a valid number: a guessed ID number is personal too. Runs glued to
# letters (a reference like FB20261203000123, ``ID350203…``) are masked when they are valid numbers,
# as in free text. Digits may come grouped by spaces or dashes, percent-encoded, or full-width.
_LOG_RUN = re.compile(r"(?<![0-9])\d(?:[ \-]?\d){10,18}[Xx]?(?![0-9])")
# A card number of one letter and eight or more digits (a social security card, ``D35020077614``); our
# references have two letters (``BA…``, ``BX…``) and stay readable.
_LOG_CARD = re.compile(r"(?<![0-9A-Za-z])([A-Za-z])(\d{8,})(?![0-9])")


def _mask_log_run(match: re.Match) -> str:
    text = match.group(0)
    known = _mask_candidate(match)
    before = match.string[match.start() - 1 : match.start()]
    after = match.string[match.end() : match.end() + 1]
    if known != text or before.isalpha() or after.isalpha():
        return known
    digits = re.sub(r"[ \-]", "", text)
    return mask_id_number(digits.upper()) if len(digits) == 18 else mask_bank_account(digits)


def mask_log_text(text: str) -> str:
    """A log line with every personal number masked (the one rule for logs: Django's and gunicorn's).

    Percent-encoded and ``+``-spaced text is read decoded, so ``%33%35…`` or ``3502+0319…`` is found too;
    a line whose decoded form held a number is written decoded and masked.

    >>> mask_log_text("GET /api/v1/eligibility/?id_number=3502%2003195603120312&phone=%2B8613906001234")
    'GET /api/v1/eligibility/?id_number=350203********0312&phone=+86139****1234'
    """
    if not text:
        return text or ""
    readable = unicodedata.normalize("NFKC", text)
    decoded = unquote_plus(readable) if "%" in readable or "+" in readable else readable
    masked = _LOG_CARD.sub(lambda m: m.group(1) + mask_bank_account(m.group(2)), _LOG_RUN.sub(_mask_log_run, decoded))
    return masked if masked != decoded else readable
