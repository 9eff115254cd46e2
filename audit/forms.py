"""The event browser's filters, as a form: the same filters as ``GET /api/v1/audit/events/``."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from audit.selectors import EventFilters
from config.api.inputs import EARLIEST_DATE, LATEST_DATE
from filings.choices import FilingAction, FilingState
from reimbursements.choices import ClaimAction, ClaimState


def _merged(*choice_sets) -> list[tuple[str, str]]:
    """Both aggregates' choices once each (a code both share keeps the first label)."""
    seen: dict[str, str] = {}
    for choices in choice_sets:
        for value, label in choices:
            seen.setdefault(value, label)
    return [("", "---------"), *sorted(seen.items())]


def within_years(value) -> None:
    """An instant between 1900 and 2100, as the API takes (``config.api.inputs.bounded_date``)."""
    if value is not None and not EARLIEST_DATE <= value.date() <= LATEST_DATE:
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
    actor = forms.CharField(
        label=_("actor"), max_length=80, required=False, help_text=_("As stored: staff:<username>, channel:<code>…")
    )
    channel = forms.CharField(label=_("channel"), max_length=32, required=False)
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
