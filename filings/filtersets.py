"""django-filter classes, one per model, shared by the REST API and admin-like listings."""

import django_filters

from filings.choices import VISIT_SETTLEMENT_FIELD, VisitKind
from filings.models import Institution, Person, Region


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
