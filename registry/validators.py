"""Validation of personal identifiers: resident ID numbers, phone numbers, institution codes."""

from __future__ import annotations

import datetime
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from registry.identifiers import normalize_identifier

INSTITUTION_CODE_RE = re.compile(r"^H\d{11}$")


def normalize_id_number(value: str) -> str:
    """Validate a resident identity card number (length, checksum, birth date) and normalise it.

    python-stdnum's ``ric.validate`` also insists that the area code existed in the birth
    year, which refuses real people: anyone born before 1983 with a 思明区 (350203) number,
    or before 2003 with a 海沧/集美/同安/翔安 one. The area code was assigned at issue, not
    at birth, so only its checksum and birth date are checked here.
    Raises ``django.core.exceptions.ValidationError`` with a message that says what is wrong.
    """
    number = normalize_identifier(value or "")  # NFKC, ASCII digits of any script, no separators, upper case
    if len(number) != 18:
        raise ValidationError(_("An ID number has 18 characters."), code="invalid_length")
    if not number.isascii() or not number[:-1].isdigit() or not (number[-1].isdigit() or number[-1] == "X"):
        raise ValidationError(_("An ID number is 17 digits followed by a digit or X."), code="invalid_format")
    if number[-1] != ric.calc_check_digit(number):
        raise ValidationError(_("The check digit of this ID number is wrong."), code="invalid_checksum")
    try:
        birth = ric.get_birth_date(number)
    except StdnumError:
        raise ValidationError(
            _("The birth date in this ID number is not a real date."), code="invalid_birth_date"
        ) from None
    if birth > datetime.date.today():
        raise ValidationError(_("The birth date in this ID number is in the future."), code="invalid_birth_date")
    return number


def validate_id_number(value: str) -> None:
    normalize_id_number(value)


def normalize_phone(value: str) -> str:
    """Validate a mainland mobile or landline number and return it as digits (landlines keep the 0)."""
    raw = (value or "").strip()
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a mainland China mobile or landline number."), code="invalid_phone") from None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a mainland China mobile or landline number."), code="invalid_phone")
    national = str(number.national_number)
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE:
        return national
    return "0" + national


def normalize_account_number(value: str) -> str:
    """A bank account number as ASCII digits: NFKC, digits of any script as ASCII, separators dropped.

    Anything else left (a superscript ², a letter) is refused: the number is stored as it is paid to.
    """
    number = normalize_identifier(value or "")
    if number and not (number.isascii() and number.isdigit()):
        raise ValidationError(_("A bank account number has digits only."), code="invalid_account_number")
    return number


def validate_phone(value: str) -> None:
    normalize_phone(value)


def validate_institution_code(value: str) -> None:
    if not INSTITUTION_CODE_RE.match(value or ""):
        raise ValidationError(_("An institution code is H followed by 11 digits."), code="invalid_institution_code")
