"""django-filter classes of the registry, and the ID-number filter every listing of persons' records shares."""

import django_filters

from config.actors import actor_of
from registry.choices import VISIT_SETTLEMENT_FIELD, VisitKind
from registry.models import Institution, Person, Region
from registry.selectors import normalize_id_query, person_looked_up


class IdNumberFilter(django_filters.CharFilter):
    """Exact match on a person's ID number, normalised as the person services store it (x → X)."""

    def __init__(self, *, field_name: str = "id_number", **kwargs):
        kwargs.setdefault("help_text", "National ID number (18 characters); staff only.")
        super().__init__(field_name=field_name, **kwargs)

    def filter(self, qs, value):
        """A number that matches nobody counts as a guess of the caller's (``config.limits``); past the
        limit the caller is refused (429) whether the next number would match or not."""
        if value in (None, ""):
            return qs
        request = getattr(self.parent, "request", None)
        person_looked_up(actor=actor_of(request.user) if request is not None else None, id_number=value)
        return qs.filter(**{self.field_name: normalize_id_query(value)})


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
    id_number = IdNumberFilter()
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Person
        fields = ["id_number", "name", "insured_status", "insurance_type"]
