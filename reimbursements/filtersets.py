"""django-filter class of claims."""

import django_filters

from config.api.filters import DayFromFilter, DayUntilFilter
from registry.filtersets import IdNumberFilter
from reimbursements.choices import ClaimKind, ClaimReason, ClaimState
from reimbursements.models import Claim


class ClaimFilterSet(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=ClaimState.choices, distinct=False)
    claim_kind = django_filters.MultipleChoiceFilter(choices=ClaimKind.choices, distinct=False)
    reason = django_filters.MultipleChoiceFilter(choices=ClaimReason.choices, distinct=False)
    submitted_after = DayFromFilter(field_name="submitted_at", help_text="Submitted on or after this day.")
    submitted_before = DayUntilFilter(field_name="submitted_at", help_text="Submitted on or before this day.")
    id_number = IdNumberFilter(field_name="person__id_number")

    class Meta:
        model = Claim
        fields = ["state", "claim_kind", "reason", "submitted_after", "submitted_before", "id_number"]
