"""django-filter class of filings, shared by the REST API and the admin-like listings."""

import django_filters

from config.api.filters import DayFromFilter, DayUntilFilter
from filings.choices import FilingState, FilingType
from filings.models import Filing
from registry.filtersets import IdNumberFilter


class FilingFilterSet(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=FilingState.choices, distinct=False)
    filing_type = django_filters.MultipleChoiceFilter(choices=FilingType.choices, distinct=False)
    destination = django_filters.CharFilter(field_name="destination_id", help_text="Region code (6 digits).")
    channel = django_filters.CharFilter(field_name="channel_id")
    submitted_after = DayFromFilter(field_name="submitted_at", help_text="Submitted on or after this day.")
    submitted_before = DayUntilFilter(field_name="submitted_at", help_text="Submitted on or before this day.")
    effective_on = django_filters.DateFilter(method="filter_effective_on", help_text="Filings in force on that day.")
    id_number = IdNumberFilter(field_name="person__id_number")

    class Meta:
        model = Filing
        fields = [
            "state",
            "filing_type",
            "destination",
            "channel",
            "submitted_after",
            "submitted_before",
            "effective_on",
            "id_number",
        ]

    def filter_effective_on(self, queryset, name, value):
        return queryset.filter(Filing.covering(value))
