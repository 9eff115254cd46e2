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
# Free text: a run of digit groups split by separators people type between them (spaces, the
# ideographic space, dashes of every kind, dots, underscores), possibly ending in X, glued to letters
# or not (``ID3502…``, ``Tel139…``). Inside a run, consecutive groups that together make an identifier
# are masked, each on its own: two numbers typed side by side are two numbers.
_SEPARATOR = "[ \u00a0\u3000\\-\u2010-\u2015\u2212._]"
_RUN = re.compile(rf"(?<![0-9])\d+(?:{_SEPARATOR}\d+)*(?:[Xx](?![0-9]))?")
_SPLIT = re.compile(f"({_SEPARATOR})")
_LONGEST = 19  # digits of the longest identifier (a bank card)


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
    """A log run (``_LOG_RUN``) masked when it is an identifier, else as it is."""
    text = match.group(0)
    return _identifier(re.sub(r"[ \-]", "", text), glued=False) or text


def mask_free_text(text: str | None) -> str:
    """Free text (a reason, a note) with every identifier in it masked: ID numbers with a valid check digit,
    bank card numbers passing Luhn, mainland mobile numbers; full-width digits count as digits.

    >>> mask_free_text("请核对 350203195603120312，电话 139 0600 1234")
    '请核对 350203********0312，电话 139****1234'
    """
    if not text:
        return text or ""
    return _RUN.sub(_mask_run, _ascii_digits(text))


def _ascii_digits(text: str) -> str:
    """Every decimal digit as ASCII (full-width ``１``, Arabic-Indic, …), full-width X and dash too; the rest of
    the text, its Chinese punctuation, kept as typed."""
    text = text.translate(_FULL_WIDTH)
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in text)


def _identifier(digits: str, *, glued: bool) -> str | None:
    """``digits`` masked if they are an identifier, else None. Glued to a letter (``BA20261204000001``, our
    references) a run is a card only from 16 digits: a reference's 14 must not pass for one by chance."""
    if is_id_number(digits):
        return mask_id_number(digits.upper())
    if not digits.isdigit():
        return None
    if 13 <= len(digits) <= 19 and (len(digits) >= 16 or not glued) and passes_luhn(digits):
        return mask_bank_account(digits)
    if len(digits) == 11 and re.match(r"1[3-9]", digits):
        return mask_phone(digits)
    national = re.fullmatch(r"(?:0086|86)(1[3-9]\d{9})", digits)  # a mobile written with its country code
    if national:
        return digits[: -len(national.group(1))] + mask_phone(national.group(1))
    return None


def _mask_run(match: re.Match) -> str:
    """The run with every identifier in it masked: from each group, the longest span of consecutive groups that
    makes one (at most ``_LONGEST`` digits) is masked as one number, its separators dropped."""
    parts = _SPLIT.split(match.group(0))
    groups, separators = parts[0::2], parts[1::2]
    glued = match.string[match.start() - 1 : match.start()].isalpha()
    out: list[str] = []
    start = 0
    while start < len(groups):
        end, masked = start, None
        for last in range(start, len(groups)):
            digits = "".join(groups[start : last + 1])
            if len(digits) > _LONGEST:
                break
            found = _identifier(digits, glued=glued and start == 0)
            if found is not None:
                end, masked = last, found
        out.append(masked if masked is not None else groups[start])
        if end + 1 < len(groups):
            out.append(separators[end])
        start = end + 1
    return "".join(out)


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
