"""A password validator for what Django's four leave through: passwords of one or two characters repeated,
blanks, runs along a keyboard row or the alphabet, and digits padded with spaces.

Django's ``MinimumLengthValidator`` counts twelve spaces as twelve characters, ``NumericPasswordValidator``
lets ``"123456789012345 "`` pass for its trailing space, and ``CommonPasswordValidator``'s list does not hold
``qwertyuiopas``. Each of those was accepted for a staff account (hostile review of issue 24).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Walks a person types without thinking: keyboard rows, the alphabet, the digits; forwards and backwards.
_WALKS = ("qwertyuiopasdfghjklzxcvbnm", "abcdefghijklmnopqrstuvwxyz", "1234567890", "01234567890")
MIN_DISTINCT = 5


class VarietyValidator:
    """At least ``MIN_DISTINCT`` different characters, not blank, not only digits once spaces are set aside, and
    not a run along a keyboard row, the alphabet or the digits."""

    def validate(self, password, user=None):
        bare = "".join(password.split()).lower()
        if not bare:
            raise ValidationError(_("This password is blank."), code="password_blank")
        if bare.isdigit():
            raise ValidationError(_("This password is entirely numeric."), code="password_entirely_numeric")
        if len(set(bare)) < MIN_DISTINCT:
            raise ValidationError(
                _("This password repeats too few characters: use at least %(n)d different ones.") % {"n": MIN_DISTINCT},
                code="password_too_repetitive",
            )
        if any(bare in walk or bare in walk[::-1] for walk in _WALKS):
            raise ValidationError(
                _("This password is a run of neighbouring keys or letters."), code="password_keyboard_walk"
            )

    def get_help_text(self):
        return _(
            "Your password must use at least %(n)d different characters and cannot be a run of neighbouring keys."
        ) % {"n": MIN_DISTINCT}
