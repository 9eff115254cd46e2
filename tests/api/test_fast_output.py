"""``FastOutput`` renders exactly what DRF renders (config/api/fast.py), on records of every shape.

Each serializer that uses it is run both ways on the same instances, read the way the API reads
them (the list and detail querysets, with their deferred columns): DRF's own
``Serializer.to_representation`` and the compiled steps must give equal dictionaries, value for
value and in the same key order. A synthetic serializer covers the edge cases DRF defines: a
missing related object, a default, a callable attribute, a mapping, a skipped optional field.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from rest_framework import serializers

from config.actors import Actor
from config.api.fast import FastOutput
from config.api.serializers import StateEventSerializer
from filings.api.serializers import FilingDetailSerializer, FilingEventSerializer, FilingSerializer
from filings.choices import FilingState, FilingType
from filings.models import FilingEvent
from filings.selectors import filing_list, filing_reload
from registry.api.serializers import PersonSerializer
from registry.selectors import person_list
from reimbursements.api.serializers import ClaimDetailSerializer, ClaimSerializer
from reimbursements.choices import ClaimState
from reimbursements.models import ClaimEvent
from reimbursements.selectors import claim_list
from tests.factories import (
    ClaimFactory,
    FilingEventFactory,
    FilingFactory,
    PersonFactory,
    UserFactory,
    referring_hospital,
)

pytestmark = pytest.mark.django_db


def both_ways(serializer, instance) -> tuple[dict, dict]:
    drf = serializers.Serializer.to_representation(serializer, instance)
    fast = FastOutput.to_representation(serializer, instance)
    return drf, fast


def assert_same(serializer, instances) -> None:
    assert instances, "nothing rendered"
    for instance in instances:
        drf, fast = both_ways(serializer, instance)
        assert list(fast) == list(drf), instance
        assert fast == drf, instance


@pytest.fixture
def staff_actor():
    return UserFactory(role="auditor").actor


@pytest.fixture
def filings_of_every_shape():
    today = datetime.date(2026, 6, 15)
    old = FilingFactory(
        state=FilingState.CHANGED, covered_until=today, ended_at=datetime.datetime(2026, 6, 15, 8, tzinfo=datetime.UTC)
    )
    FilingFactory(person=old.person, replaces=old, start_date=today)  # the change: replaces and replaced_by
    FilingFactory(state=FilingState.SUBMITTED, mode="fast_track", review_due=today, proof_basis="documents")
    FilingFactory(state=FilingState.REVOKED, end_date=None, covered_until=today, end_reason="参保状态终止")
    FilingFactory(
        filing_type=FilingType.REFERRAL,
        referring_institution=referring_hospital(),
        referral_date=today,
        referral_diagnosis="肺癌",
        destination_id="310100",
    )
    FilingFactory(filing_type=FilingType.EMERGENCY, end_date=None, contact_phone="")


def test_filings_as_listed_and_in_detail(filings_of_every_shape, staff_actor):
    listed = list(filing_list(actor=staff_actor).order_by("id"))
    assert len(listed) == 6
    serializer = FilingSerializer(context={"actor": staff_actor})
    assert_same(serializer, listed)
    # The point of it: all but the nested person and the method field are compiled plain reads.
    slow = [name for name, step in serializer._fast_steps() if not step.__qualname__.startswith("_plain_step")]
    assert slow == ["person", "replaces", "replaced_by"]
    detailed = [filing_reload(filing_id=f.pk) for f in listed]
    assert_same(FilingDetailSerializer(context={"actor": staff_actor}), detailed)


def test_a_person_reading_their_own_filing_sees_it_unmasked_both_ways(filings_of_every_shape):
    filing = filing_list(actor=UserFactory(role="auditor").actor).first()
    reader = filing.person
    actor = Actor.person(person_id=reader.pk, channel_code="xm_wechat")
    serializer = FilingSerializer(context={"actor": actor})
    full = serializer.to_representation(filing)  # FilingSerializer masks for other readers on top of either
    assert full["person"]["id_number"] == reader.id_number
    assert_same(serializer, [filing])


def test_claims_in_every_state(staff_actor):
    for state in (ClaimState.SUBMITTED, ClaimState.UNDER_REVIEW, ClaimState.APPROVED, ClaimState.PAID):
        ClaimFactory(state=state)
    ClaimFactory(state=ClaimState.REJECTED, claim_kind="emergency", setting="inpatient")
    claims = list(claim_list(actor=staff_actor).order_by("id"))
    assert {c.state for c in claims} == {"submitted", "under_review", "approved", "paid", "rejected"}
    assert any(c.payable_amount is not None for c in claims)  # decimals rendered both ways
    assert_same(ClaimSerializer(context={"actor": staff_actor}), claims)
    assert_same(ClaimDetailSerializer(context={"actor": staff_actor}), claims)


def test_persons(staff_actor):
    PersonFactory(phone="")
    PersonFactory()
    assert_same(PersonSerializer(context={"actor": staff_actor}), list(person_list(actor=staff_actor)))


def test_state_events_of_filings_and_claims(filings_of_every_shape, staff_actor):
    ClaimFactory(state=ClaimState.APPROVED)
    FilingEventFactory(changes={"contact_phone": ["13906001234", "13906005678"]}, channel_id="xm_wechat")
    FilingEventFactory(actor_label="staff:alice", actor=UserFactory(username="alice"), reason="核实")
    filing_events = list(FilingEvent.objects.select_related("filing", "actor"))
    claim_events = list(ClaimEvent.objects.select_related("claim", "actor"))
    assert filing_events and claim_events
    assert_same(FilingEventSerializer(context={"reader": staff_actor}), filing_events)
    claim_event_serializer = StateEventSerializer.for_subject(ClaimEvent, "claim")
    assert_same(claim_event_serializer(context={"reader": staff_actor}), claim_events)


class Thing:
    """An object with the awkward attributes DRF defines behaviour for."""

    def __init__(self, **attrs):
        self.__dict__.update(attrs)

    def shout(self):
        return "called"


class EdgeSerializer(FastOutput, serializers.Serializer):
    text = serializers.CharField()
    number = serializers.IntegerField()
    flag = serializers.BooleanField()
    amount = serializers.DecimalField(max_digits=8, decimal_places=2)
    day = serializers.DateField()
    at = serializers.DateTimeField()
    at_utc = serializers.DateTimeField(source="at", default_timezone=datetime.UTC)
    day_text = serializers.DateField(format="%Y年%m月%d日", source="day")
    related_name = serializers.CharField(source="related.name", allow_null=True, default="无")
    optional = serializers.CharField(required=False)
    nullable = serializers.CharField(allow_null=True)
    called = serializers.CharField(source="shout")
    choice = serializers.ChoiceField(choices=[("1", "one"), ("2", "two")])


def test_the_edges_drf_defines():
    at = datetime.datetime(2026, 6, 15, 8, 30, tzinfo=datetime.UTC)
    full = Thing(
        text=7,
        number="12",
        flag=1,
        amount=Decimal("12.5"),
        day=datetime.date(2026, 6, 15),
        at=at,
        related=Thing(name="上海"),
        optional="x",
        nullable=None,
        choice=2,
    )
    sparse = Thing(
        text="",
        number=0,
        flag=False,
        amount=Decimal("0"),
        day=datetime.date(2026, 1, 1),
        at=at,
        related=None,
        nullable="y",
        choice="1",
    )
    serializer = EdgeSerializer()
    assert_same(serializer, [full, sparse])
    rendered = serializer.to_representation(sparse)
    assert "optional" not in rendered  # skipped, as DRF skips a missing optional field
    assert rendered["related_name"] == "无"  # the default, as DRF gives for a missing related object
    assert rendered["called"] == "called"
    assert rendered["at"] == "2026-06-15T16:30:00+08:00" and rendered["at_utc"] == "2026-06-15T08:30:00Z"
    assert rendered["day_text"] == "2026年01月01日"
    mapping = {"text": "a", "number": 1, "flag": True, "amount": "1.00", "day": "2026-01-01", "at": at}
    mapping |= {"related": {"name": "b"}, "nullable": None, "shout": "s", "choice": "1"}
    assert_same(serializer, [mapping])
