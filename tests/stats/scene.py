"""Random records for the statistics tests: filings, claims and eligibility answers whose events fall in a
period, in the same days a year before, on its edges and outside both, in every kind, channel and place.

Claims are walked through the real services (so an approval freezes a real breakdown); further events of every
kind are written as they stand, at random moments, so that each figure and each group has something to count.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from accounts.choices import Role
from accounts.models import Channel
from audit.choices import ELIGIBILITY_REASONS
from audit.models import EligibilityQuestion
from filings.choices import FilingAction, FilingMode, FilingState, FilingType
from registry.choices import VisitKind
from registry.models import Region
from reimbursements.choices import ClaimAction, ClaimState
from stats.periods import Period
from tests.audit.decided import at
from tests.factories import ClaimEventFactory, ClaimFactory, FilingEventFactory, FilingFactory, UserFactory

FILING_EVENTS = [
    (FilingAction.SUBMIT, "", FilingState.SUBMITTED),
    (FilingAction.RECORD, "", FilingState.EXPIRED),
    (FilingAction.ACTIVATE, FilingState.SUBMITTED, FilingState.EFFECTIVE),
    (FilingAction.APPROVE, FilingState.SUBMITTED, FilingState.EFFECTIVE),
    (FilingAction.REJECT, FilingState.SUBMITTED, FilingState.REJECTED),
    (FilingAction.CHANGE, FilingState.EFFECTIVE, FilingState.CHANGED),
    (FilingAction.REVOKE, FilingState.EFFECTIVE, FilingState.REVOKED),
    (FilingAction.WITHDRAW, FilingState.SUBMITTED, FilingState.REVOKED),
    (FilingAction.EXPIRE, FilingState.EFFECTIVE, FilingState.EXPIRED),
    (FilingAction.CORRECT_CONTACT, FilingState.EFFECTIVE, FilingState.EFFECTIVE),
]
CLAIM_EVENTS = [
    (ClaimAction.SUBMIT, ClaimState.MATERIALS_INCOMPLETE, ClaimState.SUBMITTED),
    (ClaimAction.REQUEST_MATERIALS, ClaimState.SUBMITTED, ClaimState.MATERIALS_INCOMPLETE),
    (ClaimAction.START_REVIEW, ClaimState.SUBMITTED, ClaimState.UNDER_REVIEW),
    (ClaimAction.REJECT, ClaimState.UNDER_REVIEW, ClaimState.REJECTED),
    (ClaimAction.WITHDRAW, ClaimState.SUBMITTED, ClaimState.WITHDRAWN),
]


def moments(rng: random.Random, period: Period, count: int) -> list[datetime.datetime]:
    """Instants in the period, in the year before, on both edges of each and outside both."""
    chosen = []
    for window in (period, period.year_before()):
        start, end = window.instants()
        chosen += [start, end - datetime.timedelta(microseconds=1), end, start - datetime.timedelta(seconds=1)]
    while len(chosen) < count:
        window = period if rng.random() < 0.6 else period.year_before()
        start, end = window.instants()
        chosen.append(start + datetime.timedelta(seconds=rng.randrange(int((end - start).total_seconds()))))
    rng.shuffle(chosen)
    return chosen


def stats_scene(seed: int, period: Period, *, filings: int = 24, claims: int = 6, answers: int = 40) -> None:
    rng = random.Random(seed)
    channels = list(Channel.objects.exclude(group="hospital").values_list("code", flat=True))
    cities = list(Region.objects.filter(level="city").order_by("code").values_list("code", "parent_id"))
    places = rng.sample(cities, 6)
    reviewers = [UserFactory(role=Role.REVIEWER) for _ in range(3)]
    labels = [f"staff:{user.username}" for user in reviewers] + ["system"]

    for moment in moments(rng, period, filings):
        code, province = rng.choice(places)
        filing = FilingFactory(
            filing_type=rng.choice(FilingType.values),
            mode=rng.choice(FilingMode.values),
            channel_id=rng.choice(channels),
            destination_id=rng.choice([code, province]),
            review_due=(moment + datetime.timedelta(days=rng.randrange(-3, 12))).date() if rng.random() < 0.8 else None,
        )
        FilingEventFactory(
            filing=filing, at=moment - datetime.timedelta(days=rng.randrange(0, 20), hours=rng.randrange(24))
        )
        for _event in range(rng.randrange(1, 4)):
            action, from_state, to_state = rng.choice(FILING_EVENTS)
            FilingEventFactory(
                filing=filing,
                action=action,
                from_state=from_state,
                to_state=to_state,
                actor_label=rng.choice(labels),
                at=moment + datetime.timedelta(hours=rng.randrange(-30, 30)),
            )

    states = [ClaimState.APPROVED, ClaimState.PAID, ClaimState.REJECTED, ClaimState.MATERIALS_INCOMPLETE]
    for moment in moments(rng, period, claims)[:claims]:
        code, _province = rng.choice(places)
        with at(moment):
            claim = ClaimFactory(
                state=rng.choice(states),
                city=code,
                total_amount=f"{rng.randrange(1000, 90000)}.{rng.randrange(100):02d}",
                excluded_amount=f"{rng.randrange(0, 900)}.{rng.randrange(100):02d}",
                submitted_by=UserFactory(role=Role.COUNTER),
            )
        for _event in range(rng.randrange(0, 3)):
            action, from_state, to_state = rng.choice(CLAIM_EVENTS)
            ClaimEventFactory(
                claim=claim,
                action=action,
                from_state=from_state,
                to_state=to_state,
                actor_label=rng.choice(labels),
                at=moment + datetime.timedelta(days=rng.randrange(0, 30)),
            )

    reasons = list(ELIGIBILITY_REASONS)
    for moment in moments(rng, period, answers):
        code, _province = rng.choice(places)
        covered = rng.random() < 0.6
        EligibilityQuestion.objects.create(
            at=moment,
            caller="channel:hospital",
            id_number_digest=f"{rng.getrandbits(256):064x}",
            city_id=code,
            visit=rng.choice(VisitKind.values),
            treatment_date=timezone.localdate(moment),
            covered=covered,
            reason_code=rng.choice(["filed", "emergency", "in_province"] if covered else reasons),
        )
