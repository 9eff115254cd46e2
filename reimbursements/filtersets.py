"""django-filter classes for claims."""

import django_filters

from reimbursements.choices import ClaimKind, ClaimReason, ClaimState
from reimbursements.models import Claim


class ClaimFilterSet(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=ClaimState.choices, distinct=False)
    claim_kind = django_filters.MultipleChoiceFilter(choices=ClaimKind.choices, distinct=False)
    reason = django_filters.MultipleChoiceFilter(choices=ClaimReason.choices, distinct=False)
    submitted_after = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__gte")
    submitted_before = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__lte")
    id_number = django_filters.CharFilter(method="filter_id_number", help_text="Staff only.")

    class Meta:
        model = Claim
        fields = ["state", "claim_kind", "reason", "submitted_after", "submitted_before", "id_number"]

    def filter_id_number(self, queryset, name, value):
        return queryset.filter(person__id_number=value.strip().upper())
