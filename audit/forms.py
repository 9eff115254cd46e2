"""The event browser's filters, as a form: the same filters as ``GET /api/v1/audit/events/``."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.history import actor_names
from accounts.models import Channel, User
from audit.decisions import LONGEST_PERIOD, DecisionFilters, last_week
from audit.selectors import EventFilters
from config.api.inputs import EARLIEST_DATE, LATEST_DATE
from filings.choices import FilingAction, FilingState
from reimbursements.choices import ClaimAction, ClaimBasis, ClaimState

DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _merged(*choice_sets) -> list[tuple[str, str]]:
    """Both aggregates' choices once each (a code both share keeps the first label)."""
    seen: dict[str, str] = {}
    for choices in choice_sets:
        for value, label in choices:
            seen.setdefault(value, label)
    return [("", "---------"), *sorted(seen.items())]


def actor_choices() -> list[tuple[str, str]]:
    """Who may have acted, by name: staff as 姓名（角色）, then channels, then the system (stored labels as values).

    A person acting for themselves is found by their ID number instead (there are too many to list).
    """
    staff = [f"staff:{name}" for name in User.objects.order_by("username").values_list("username", flat=True)]
    channels = [f"channel:{code}" for code in Channel.objects.order_by("code").values_list("code", flat=True)]
    names = actor_names([*staff, *channels, "system"])
    by_name = sorted(staff, key=lambda label: names[label])
    return [("", "---------"), *((label, names[label]) for label in [*by_name, *channels, "system"])]


def within_years(value) -> None:
    """An instant or a day between 1900 and 2100, as the API takes (``config.api.inputs.bounded_date``)."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )


class EventFilterForm(forms.Form):
    record_type = forms.ChoiceField(
        label=_("record type"),
        required=False,
        choices=[("", "---------"), ("filing", _("filing")), ("claim", _("claim"))],
    )
    reference = forms.CharField(label=_("reference"), max_length=20, required=False)
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False)
    action = forms.ChoiceField(label=_("action"), required=False)
    actor = forms.ChoiceField(
        label=_("actor"), required=False, help_text=_("Staff by name and role, a channel, or the system.")
    )
    channel = forms.ChoiceField(label=_("channel"), required=False)
    from_state = forms.ChoiceField(label=_("from"), required=False)
    to_state = forms.ChoiceField(label=_("to"), required=False)
    at_after = forms.DateTimeField(
        label=_("from (time)"),
        required=False,
        validators=[within_years],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    at_before = forms.DateTimeField(
        label=_("before (time)"),
        required=False,
        validators=[within_years],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = _merged(FilingAction.choices, ClaimAction.choices)
        self.fields["actor"].choices = actor_choices()
        self.fields["channel"].choices = [
            ("", "---------"),
            *Channel.objects.order_by("code").values_list("code", "name"),
        ]
        states = _merged(FilingState.choices, ClaimState.choices)
        self.fields["from_state"].choices = states
        self.fields["to_state"].choices = states

    def clean(self):
        cleaned = super().clean()
        after, before = cleaned.get("at_after"), cleaned.get("at_before")
        if after and before and before <= after:
            self.add_error("at_before", _("Must be after the start of the range."))
        return cleaned

    def filters(self) -> EventFilters:
        """The selector's filters from a valid form (empty fields filter nothing)."""
        return EventFilters(**{name: value or None for name, value in self.cleaned_data.items()})


class DecisionFilterForm(forms.Form):
    """The decisions report's filters: a period (last week, Monday to Sunday, unless told), then who decided,
    which kind of record, which decision, on which basis, in which state now."""

    period_from = forms.DateField(label=_("decided from"), validators=[within_years], widget=DAY)
    period_to = forms.DateField(label=_("decided to (inclusive)"), validators=[within_years], widget=DAY)
    decider = forms.ChoiceField(label=_("decided by"), required=False)
    kind = forms.ChoiceField(
        label=_("record type"),
        required=False,
        choices=[("", "---------"), ("claim", _("claim")), ("filing", _("filing"))],
    )
    decision = forms.ChoiceField(
        label=_("decision"),
        required=False,
        choices=[
            ("", "---------"),
            ("approve", _("Approved")),
            ("reject", _("Rejected or payment refused")),
            ("activate", _("Took effect at once (self-service filing)")),
        ],
    )
    basis = forms.ChoiceField(
        label=_("basis"),
        required=False,
        choices=[("", "---------"), *ClaimBasis.choices],
        help_text=_("Claims only: what the claim rests on."),
    )
    state = forms.ChoiceField(label=_("state now"), required=False)

    def __init__(self, data=None, *args, **kwargs):
        monday, sunday = last_week()
        data = data.copy() if data is not None else {}
        for name, default in (("period_from", monday), ("period_to", sunday)):
            if not data.get(name):
                data[name] = default.isoformat()  # absent or empty: last week
        super().__init__(data, *args, **kwargs)
        self.fields["decider"].choices = actor_choices()
        self.fields["state"].choices = _merged(FilingState.choices, ClaimState.choices)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_from"), cleaned.get("period_to")
        if start and end and end < start:
            self.add_error("period_to", _("Must not be before the start of the period."))
        elif start and end and end - start >= LONGEST_PERIOD:
            self.add_error("period_to", _("A period of at most a year (366 days)."))
        return cleaned

    def filters(self) -> DecisionFilters:
        """The selector's filters from a valid form (empty fields filter nothing)."""
        return DecisionFilters(**{name: value or None for name, value in self.cleaned_data.items()})
