"""Policy rows over time: a change of values is a new row from a date, never an edit of days that have been.

Which day picks a row. Claims take the benefit row and the claim policy in force on their discharge date
(``reimbursements.selectors.benefit_row``, ``benefit_rule``), and their review clock the claim policy of each
day it ran; filings take the filing policy, type rules, requirements and city lists in force on the day they
are submitted, decided or checked (``filings.selectors``, ``filings.services``). Every one of those days is
today or earlier. So the first day a change may take effect is tomorrow (``first_changeable_day``): no day that
has been reads other values afterwards, so neither a claim decided under a row nor one still pending for care
already given changes its amount, deadline or due date because a row was edited. A row in force (or past) keeps
its values for good; from a date, a new row with the new values takes over (``supersede``); it may be ended
from today on (``end``). A row that starts after today has decided nothing yet and may still be edited or
deleted. A first row of a new timeline also starts tomorrow at the earliest, for the same reason.

Rows of one timeline never overlap (``config.models.EffectivePeriod.clean``); the services here lock the
timeline's rows so that two changes at once cannot both pass that check. (An exclusion constraint would need
PostgreSQL's btree_gist and would not run on SQLite; the seeded rows and the tests' rows overlap on purpose,
each newer row outranking the older by its start, so the check stays in the model and these services.)
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.models import EffectivePeriod

PERIOD_FIELDS = ("effective_from", "effective_to")


def first_changeable_day() -> datetime.date:
    """The first day a new row or a change may take effect: tomorrow (see the module)."""
    return timezone.localdate() + datetime.timedelta(days=1)


def has_taken_effect(row: EffectivePeriod) -> bool:
    """Whether a stored row has been in force on a day that has been (today included): its values are fixed."""
    return row.pk is not None and row.effective_from <= timezone.localdate()


def has_ended(row: EffectivePeriod) -> bool:
    """Whether a stored row's last day has passed: nothing of it may change any more."""
    return row.pk is not None and row.effective_to is not None and row.effective_to < timezone.localdate()


def value_fields(model: type[EffectivePeriod]) -> list[str]:
    """The fields a change from a date may set: all but the key, the period and the primary key."""
    return [
        field.name
        for field in model._meta.concrete_fields
        if not field.primary_key and field.editable and field.name not in (*model.policy_key, *PERIOD_FIELDS)
    ]


def _lock_timeline(row: EffectivePeriod) -> EffectivePeriod:
    """The stored row, read again under lock with every row of its timeline (two changes at once wait)."""
    manager = type(row)._default_manager
    list(manager.select_for_update().filter(**row.key_values()).values_list("pk", flat=True))
    return manager.select_for_update().get(pk=row.pk)


def check_start(day: datetime.date, *, field: str = "effective_from") -> None:
    """A new row, a row not yet in force whose start moves, or a change, starts tomorrow at the earliest."""
    first = first_changeable_day()
    if day < first:
        raise ValidationError(
            {
                field: _(
                    "A policy change takes effect from tomorrow (%(day)s) at the earliest: the days that have been "
                    "keep the values they were decided under."
                )
                % {"day": first.isoformat()}
            }
        )


def supersede(row: EffectivePeriod, *, effective_from: datetime.date, **values) -> EffectivePeriod:
    """Change ``row``'s values from ``effective_from`` on: the row ends the day before and a new row with
    ``values`` (the rest copied) takes over to the row's own end. One transaction; the new row is validated
    as any row is (fields, constraints, no overlap). Returns the new row; raises ``ValidationError`` naming
    the field, writing nothing."""
    unknown = set(values) - set(value_fields(type(row)))
    if unknown:
        raise TypeError(f"not values of {type(row).__name__}: {sorted(unknown)}")
    check_start(effective_from)
    with transaction.atomic():
        old = _lock_timeline(row)
        if effective_from <= old.effective_from:
            raise ValidationError(
                {
                    "effective_from": _("The change must start after the row starts (%(start)s).")
                    % {"start": old.effective_from.isoformat()}
                }
            )
        if old.effective_to is not None and effective_from > old.effective_to:
            raise ValidationError(
                {
                    "effective_from": _("The row ends on %(end)s: a change must start while it is in force.")
                    % {"end": old.effective_to.isoformat()}
                }
            )
        new = type(old)(**{field.attname: getattr(old, field.attname) for field in old._meta.concrete_fields})
        new.pk = None
        new._state.adding = True
        for name, value in values.items():
            setattr(new, name, value)
        new.effective_from, new.effective_to = effective_from, old.effective_to
        old.effective_to = effective_from - datetime.timedelta(days=1)
        old.save(update_fields=["effective_to"])
        new.full_clean()
        new.save()
    return new


def check_end(stored: EffectivePeriod, effective_to: datetime.date | None) -> None:
    """A stored row that has taken effect ends today at the earliest; one that has ended stays as it was."""
    if has_ended(stored):
        raise ValidationError(_("This row has ended: its period stays as it was."))
    today = timezone.localdate()
    if effective_to is not None and effective_to < today and has_taken_effect(stored):
        raise ValidationError(
            {"effective_to": _("A row in force ends today (%(day)s) at the earliest.") % {"day": today.isoformat()}}
        )


def end(row: EffectivePeriod, *, effective_to: datetime.date | None) -> EffectivePeriod:
    """Set the last day of ``row`` (None: open-ended): on a row in force, today or later, so that no day that
    has been loses or gains a row; a longer period must not run into the next row. Raises ``ValidationError``."""
    with transaction.atomic():
        stored = _lock_timeline(row)
        check_end(stored, effective_to)
        stored.effective_to = effective_to
        stored.full_clean()
        stored.save(update_fields=["effective_to"])
    return stored


def withdraw(row: EffectivePeriod) -> EffectivePeriod | None:
    """Delete ``row``, which has not taken effect; the row it followed (ended the day before it starts, as a
    change from a date leaves it) takes its period back, so withdrawing a change leaves no day without a row.
    Returns that row, if any. Raises ``ValidationError`` for a row that has taken effect (never deleted)."""
    with transaction.atomic():
        stored = _lock_timeline(row)
        if has_taken_effect(stored):
            raise ValidationError(_("A row that has taken effect is kept for what it decided: it is not deleted."))
        before = (
            type(stored)
            ._default_manager.filter(
                **stored.key_values(), effective_to=stored.effective_from - datetime.timedelta(days=1)
            )
            .first()
        )
        last_day = stored.effective_to
        stored.delete()
        if before is not None:
            before.effective_to = last_day
            before.full_clean()
            before.save(update_fields=["effective_to"])
    return before
