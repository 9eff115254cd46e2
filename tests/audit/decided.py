"""Decisions taken at a chosen moment, for the decisions report's tests (the unit and the browser ones)."""

from __future__ import annotations

import contextlib
import datetime
from unittest import mock

from django.utils import timezone

from accounts.choices import Role
from audit.decisions import last_week
from filings.choices import FilingAction, FilingMode, FilingState
from reimbursements import services as claim_services
from reimbursements.choices import ClaimAction, ClaimState
from tests.factories import ClaimFactory, FilingEventFactory, FilingFactory, PersonFactory, UserFactory


@contextlib.contextmanager
def at(moment: datetime.datetime):
    """The services (and the factories through them) take ``moment`` for now."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def last_week_at(day: int, hour: int = 10) -> datetime.datetime:
    """A moment of last week (``day`` 0 is its Monday) in the bureau's time zone."""
    monday, _sunday = last_week()
    return timezone.make_aware(datetime.datetime.combine(monday + datetime.timedelta(days=day), datetime.time(hour)))


def claim_decided(action: str, moment: datetime.datetime, reviewer, *, paid_at=None, payer=None, **fields):
    """A claim brought to review the day before ``moment``, then approved or refused by ``reviewer`` then."""
    with at(moment - datetime.timedelta(days=1)):
        claim = ClaimFactory(state=ClaimState.UNDER_REVIEW, **fields)
    with at(moment):
        claim = claim_services.claim_transition(
            claim_id=claim.pk, action=action, actor=reviewer.actor, reason="材料不全" if action == "reject" else ""
        )
    if paid_at is not None:
        with at(paid_at):
            claim = claim_services.claim_transition(
                claim_id=claim.pk, action=ClaimAction.PAY, actor=payer.actor, payment_reference="PAY-1"
            )
    claim.refresh_from_db()
    return claim


def filing_decided(action: str, moment: datetime.datetime, actor_label: str, **fields):
    """A filing with the decision event ``action`` taken by ``actor_label`` at ``moment``."""
    state = FilingState.REJECTED if action == FilingAction.REJECT else FilingState.EFFECTIVE
    filing = FilingFactory(state=state, mode=FilingMode.FAST_TRACK, **fields)
    FilingEventFactory(
        filing=filing,
        action=action,
        from_state=FilingState.SUBMITTED,
        to_state=state,
        actor_label=actor_label,
        channel_id="counter" if actor_label.startswith("staff:") else "xm_wechat",
        at=moment,
    )
    return filing


def a_week_of_decisions() -> dict:
    """Last week: 李审 approved two claims (one paid since) and refused one, approved a filing; 王核 approved a
    third claim; a self-service filing took effect through the WeChat channel. Out of the week: a claim approved
    the week before and one approved this week."""
    li = UserFactory(role=Role.REVIEWER, username="lishen", last_name="李", first_name="审")
    wang = UserFactory(role=Role.REVIEWER, username="wanghe", last_name="王", first_name="核")
    payer = UserFactory(role=Role.ADMIN, username="caiwu", last_name="蔡", first_name="务")
    person = PersonFactory(name="郑十")  # whose claim was paid (one stay, one live claim: the others' own)
    world = {
        "li": li,
        "wang": wang,
        "person": person,
        "paid": claim_decided(
            ClaimAction.APPROVE, last_week_at(1), li, paid_at=last_week_at(3), payer=payer, person=person
        ),
        "unpaid": claim_decided(ClaimAction.APPROVE, last_week_at(2), li),
        "refused": claim_decided(ClaimAction.REJECT, last_week_at(4), li),
        "by_wang": claim_decided(ClaimAction.APPROVE, last_week_at(6, 21), wang),
        "filing": filing_decided(FilingAction.APPROVE, last_week_at(0, 9), f"staff:{li.username}", person=person),
        "self_service": filing_decided(FilingAction.ACTIVATE, last_week_at(5), "channel:xm_wechat"),
        "before": claim_decided(ClaimAction.APPROVE, last_week_at(-1, 23), li),
        "after": claim_decided(ClaimAction.APPROVE, last_week_at(7, 0), li),
    }
    return world
