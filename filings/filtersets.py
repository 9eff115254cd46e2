"""django-filter classes, one per model, shared by the REST API and admin-like listings."""

import django_filters

from filings.choices import VISIT_SETTLEMENT_FIELD, FilingState, FilingType, VisitKind
from filings.models import Filing, Institution, Person, Region


class RegionFilterSet(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent_id", help_text="Province code: list its cities.")

    class Meta:
        model = Region
        fields = ["parent", "level"]


class InstitutionFilterSet(django_filters.FilterSet):
    city = django_filters.CharFilter(field_name="city_id", help_text="City code (6 digits).")
    province = django_filters.CharFilter(field_name="city__parent_id", help_text="Province code (6 digits).")
    direct_settlement = django_filters.ChoiceFilter(
        choices=VisitKind.choices,
        method="filter_direct_settlement",
        help_text="Only institutions that settle this visit kind directly across provinces.",
    )
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Institution
        fields = ["city", "province", "level", "direct_settlement", "name"]

    def filter_direct_settlement(self, queryset, name, value):
        return queryset.filter(**{VISIT_SETTLEMENT_FIELD[value]: True})


class PersonFilterSet(django_filters.FilterSet):
    id_number = django_filters.CharFilter(method="filter_id_number")
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Person
        fields = ["id_number", "name", "insured_status", "insurance_type"]

    def filter_id_number(self, queryset, name, value):
        return queryset.filter(id_number=value.strip().upper())


class FilingFilterSet(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=FilingState.choices, distinct=False)
    filing_type = django_filters.MultipleChoiceFilter(choices=FilingType.choices, distinct=False)
    destination = django_filters.CharFilter(field_name="destination_id", help_text="Region code (6 digits).")
    channel = django_filters.CharFilter(field_name="channel_id")
    submitted_after = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__gte")
    submitted_before = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__lte")
    effective_on = django_filters.DateFilter(method="filter_effective_on", help_text="Filings in force on that day.")
    id_number = django_filters.CharFilter(method="filter_id_number", help_text="Staff only.")

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

    def filter_id_number(self, queryset, name, value):
        return queryset.filter(person__id_number=value.strip().upper())
