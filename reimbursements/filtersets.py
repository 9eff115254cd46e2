"""django-filter class of claims."""

import django_filters

from registry.filtersets import IdNumberFilter
from reimbursements.choices import ClaimKind, ClaimReason, ClaimState
from reimbursements.models import Claim


class ClaimFilterSet(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=ClaimState.choices, distinct=False)
    claim_kind = django_filters.MultipleChoiceFilter(choices=ClaimKind.choices, distinct=False)
    reason = django_filters.MultipleChoiceFilter(choices=ClaimReason.choices, distinct=False)
    submitted_after = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__gte")
    submitted_before = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__lte")
    id_number = IdNumberFilter(field_name="person__id_number")

    class Meta:
        model = Claim
        fields = ["state", "claim_kind", "reason", "submitted_after", "submitted_before", "id_number"]
