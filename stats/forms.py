"""The statistics pages' choice of period and grouping: a recent month, quarter or year from a list, or a start and
an end; parsed by ``stats.periods`` like the API's parameters, so both take and refuse the same input the same
way (a period outside the list, from a bookmarked address, is shown and taken as well)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.forms import DAY, within_years
from config.errors import ValidationFailed
from stats import periods
from stats.selectors import SUBJECTS

# What each page groups by when nobody chose: the split a monthly report asks for first.
DEFAULT_GROUPS = {
    "filings": "filing_type",
    "claims": "claim_kind",
    "service": "desk",
    "eligibility": "destination_province",
}


def recent_periods(today: datetime.date | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The last 24 months, 8 quarters and 5 years (the current ones included), newest first, by kind."""
    today = today or timezone.localdate()
    months, quarters = [], []
    year, month = today.year, today.month
    for _step in range(24):
        months.append(periods.named(f"{year}-{month:02d}"))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    quarter, year = (today.month - 1) // 3 + 1, today.year
    for _step in range(8):
        quarters.append(periods.named(f"{year}-Q{quarter}"))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    years = [periods.named(str(today.year - n)) for n in range(5)]
    return [
        (_("months"), [(p.code, p.name) for p in months]),
        (_("quarters"), [(p.code, p.name) for p in quarters]),
        (_("years"), [(p.code, p.name) for p in years]),
    ]


class PeriodField(forms.ChoiceField):
    """A select of recent periods that takes any period ``stats.periods`` reads (the form's ``clean`` parses it,
    with the API's messages): the list only suggests."""

    def valid_value(self, value) -> bool:
        return True


class StatisticsForm(forms.Form):
    period = PeriodField(label=_("period"), required=False)
    period_from = forms.DateField(label=_("or from"), required=False, validators=[within_years], widget=DAY)
    period_to = forms.DateField(label=_("to (inclusive)"), required=False, validators=[within_years], widget=DAY)
    group_by = forms.ChoiceField(label=_("group by"), required=False)

    def __init__(self, subject: str, data=None, *args, **kwargs):
        self.subject = subject
        data = data.copy() if data is not None else {}
        if not any(data.get(name) for name in ("period", "period_from", "period_to")):
            data["period"] = periods.last_month().code
        if "group_by" not in data:
            data["group_by"] = DEFAULT_GROUPS[subject]
        super().__init__(data, *args, **kwargs)
        suggested = recent_periods()
        listed = {code for _kind, options in suggested for code, _name in options}
        try:
            named = periods.named(self.data["period"]) if self.data.get("period") else None
        except ValidationFailed:
            named = None  # the form's clean() says why
        if named is not None:
            self.data["period"] = named.code  # ２０２６－１１ and 2026-11 are one period, chosen in the list
            if named.code not in listed:  # a period of its own (a bookmark): shown as chosen
                suggested.insert(0, (_("chosen"), [(named.code, named.name)]))
        self.fields["period"].choices = [("", _("from–to below")), *suggested]
        groupings = SUBJECTS[subject].groupings
        self.fields["group_by"].choices = [("", _("total only")), *((code, g.label) for code, g in groupings.items())]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            cleaned["chosen_period"] = periods.chosen(
                cleaned.get("period") or None, cleaned.get("period_from"), cleaned.get("period_to")
            )
        except ValidationFailed as refused:
            for field, messages in refused.errors.items():
                for message in messages:
                    self.add_error(field, message)
        return cleaned

    def query(self) -> str:
        """The chosen period and grouping as a query string, for the export links."""
        from urllib.parse import urlencode

        keep = {name: self.data.get(name) for name in ("period", "period_from", "period_to", "group_by")}
        return urlencode({name: value for name, value in keep.items() if value is not None})
