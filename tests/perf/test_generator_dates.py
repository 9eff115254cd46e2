"""The benchmark's generator puts every event on a past day, spread over them.

The statistics count today live from the events and read closed days from their rollups, so data
whose events pile onto today (or lie in the future) measures a page no bureau has. Before this test,
every claim submitted "after today" was clamped to today and its later steps landed up to weeks ahead.
"""

import io
from collections import Counter

import pytest
from django.utils import timezone

from bench.generate import generate
from filings.models import Filing, FilingEvent
from registry.demo import load_institutions
from reimbursements.models import Claim, ClaimEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated():
    load_institutions()
    generate(persons=600, filings=1_200, claims=600, seed=11, out=io.StringIO())


def days_of(instants) -> Counter:
    return Counter(timezone.localtime(at).date() for at in instants)


@pytest.mark.parametrize("model", [FilingEvent, ClaimEvent])
def test_every_event_lies_on_a_past_day_without_a_pile(generated, model):
    today = timezone.localdate()
    days = days_of(model.objects.values_list("at", flat=True))
    events = sum(days.values())
    assert events > 500
    assert max(days) < today, f"events dated {max(days)}, today is {today}"
    busiest_day, busiest = days.most_common(1)[0]
    assert busiest <= 0.05 * events, f"{busiest} of {events} events on {busiest_day}"


@pytest.mark.parametrize("model", [Filing, Claim])
def test_records_were_last_changed_before_today(generated, model):
    latest = model.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    assert timezone.localtime(latest).date() < timezone.localdate()
