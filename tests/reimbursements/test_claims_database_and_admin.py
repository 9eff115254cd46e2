"""Claims: what the database guarantees, who may take each action, and the admin."""

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from accounts.choices import Role
from config.actors import Actor
from registry.models import Person
from reimbursements import services
from reimbursements.models import Claim, ClaimEvent, ClaimMaterial
from tests.factories import ClaimFactory, PersonFactory, UserFactory, claim_accept_all

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "changes",
    [
        {"state": "lost"},
        {"excluded_amount": Decimal("9000")},
        {"discharge_date": datetime.date(2000, 1, 1)},
        {"state": "approved"},  # without an amount
        {"state": "rejected", "end_reason": ""},
    ],
)
def test_database_refuses_invalid_claims(changes):
    claim = ClaimFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(**changes)


def test_claim_events_are_append_only():
    ClaimFactory()
    with pytest.raises(DatabaseError), transaction.atomic():
        ClaimEvent.objects.update(reason="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        ClaimEvent.objects.all().delete()
    assert ClaimEvent.objects.count() == 1


def test_material_rejection_without_reason_is_refused_by_the_database():
    claim = ClaimFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimMaterial.objects.filter(claim=claim).update(status="rejected")


def test_checklist_changes_keep_their_history():
    claim = ClaimFactory()
    claim_accept_all(claim)
    material = claim.materials.get(item="id_copy")
    history = list(material.history.order_by("history_id"))
    assert [h.status for h in history] == ["missing", "accepted"]
    assert all(h.history_user.role == Role.COUNTER for h in history)


@pytest.mark.parametrize(
    "action, start, capacities",
    [
        ("request_materials", "submitted", {Role.COUNTER, Role.ADMIN}),
        ("start_review", "submitted", {Role.REVIEWER, Role.ADMIN}),
        ("approve", "under_review", {Role.REVIEWER, Role.ADMIN}),
        ("reject", "under_review", {Role.REVIEWER, Role.ADMIN}),
        ("pay", "approved", {Role.ADMIN}),
        ("withdraw", "submitted", {"person", Role.COUNTER, Role.ADMIN}),
    ],
)
@pytest.mark.parametrize("who", ["person", "stranger", Role.COUNTER, Role.REVIEWER, Role.AUDITOR, Role.ADMIN])
def test_claim_transition_by_caller(client_for, action, start, capacities, who):
    person = PersonFactory()
    claim = ClaimFactory(person=person)
    if action in ("start_review", "approve", "reject", "pay"):
        claim_accept_all(claim)
    admin_actor = Actor.staff(UserFactory(role=Role.ADMIN))
    path = {"under_review": ["start_review"], "approved": ["start_review", "approve"]}.get(start, [])
    for step in path:
        services.claim_transition(claim_id=claim.pk, action=step, actor=admin_actor)
    claim.refresh_from_db()
    events_before = claim.events.count()
    if who == "person":
        client = client_for(person=person)
    elif who == "stranger":
        client = client_for(person=PersonFactory())
    else:
        client = client_for(role=who)
    url_action = action.replace("_", "-")
    body = {"payment_reference": "P-1"} if action == "pay" else {"reason": "x"}  # what each action takes
    response = client.post(f"/api/v1/claims/{claim.reference}/{url_action}/", body)
    claim.refresh_from_db()
    if who in capacities:
        assert response.status_code == 200, response.content
        assert claim.events.count() == events_before + 1
        assert claim.events.last().action == action
    else:
        # Authorise first: 403 for a capacity that may never act; 404 for a person on another's claim.
        stranger_may_act = who == "stranger" and "person" in capacities
        assert response.status_code == (404 if stranger_may_act else 403), response.content
        assert claim.state == start and claim.events.count() == events_before


def test_approvals_of_one_person_lock_the_person_row(monkeypatch):
    """The year-to-date sums are read under the person's row lock (serialising concurrent approvals)."""
    claim = ClaimFactory()
    claim_accept_all(claim)
    services.claim_transition(
        claim_id=claim.pk, action="start_review", actor=Actor.staff(UserFactory(role=Role.REVIEWER))
    )
    locked = []
    original = Person.objects.select_for_update

    def spy(*args, **kwargs):
        locked.append(True)
        return original(*args, **kwargs)

    monkeypatch.setattr(Person.objects, "select_for_update", spy)
    services.claim_transition(claim_id=claim.pk, action="approve", actor=Actor.staff(UserFactory(role=Role.REVIEWER)))
    assert locked
    assert Claim.objects.get(pk=claim.pk).payable_amount is not None


class TestAdmin:
    @pytest.fixture
    def login(self, client):
        def as_role(role):
            client.force_login(UserFactory(role=role))
            return client

        return as_role

    def test_counter_ticks_the_checklist_on_the_panel(self, login):
        claim = ClaimFactory()
        client = login(Role.COUNTER)
        page = client.get(f"/admin/reimbursements/claim/{claim.pk}/change/")
        assert page.status_code == 200
        first = claim.materials.order_by("sort_order").first()
        response = client.post(
            f"/admin/reimbursements/claim/{claim.pk}/materials/{first.item}/", {"status": "accepted"}
        )
        assert response.status_code == 302, response.content.decode()[-1500:]
        first.refresh_from_db()
        assert (first.status, first.changed_by.role) == ("accepted", Role.COUNTER)

    def test_reviewer_approves_by_action_and_sees_the_breakdown(self, login):
        claim = ClaimFactory()
        claim_accept_all(claim)
        client = login(Role.REVIEWER)
        client.post(
            "/admin/reimbursements/claimreviewqueue/",
            {"action": "start_review_claims", "_selected_action": [claim.pk], "apply": "1"},
        )
        confirm = client.get(f"/admin/reimbursements/claim/{claim.pk}/do/approve/")
        estimate = dict((str(label), value) for label, value in confirm.context["confirm"])
        assert estimate["报销比例"].endswith("%") and estimate["基金支付额（本次计算）"].endswith(" 元")
        client.post(f"/admin/reimbursements/claim/{claim.pk}/do/approve/")
        claim.refresh_from_db()
        assert claim.state == "approved" and claim.payable_amount is not None
        assert estimate["基金支付额（本次计算）"] == f"{claim.payable_amount:,.2f} 元"
        page = client.get(f"/admin/reimbursements/claim/{claim.pk}/change/").content.decode()
        assert "fund_before_cap" not in page and f"{claim.payable_amount:,.2f} 元" in page
        assert "6216" not in page  # the bank account is masked

    def test_review_queue_oldest_first(self, login):
        first, second = ClaimFactory(), ClaimFactory()
        Claim.objects.filter(pk=second.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=2))
        page = login(Role.REVIEWER).get("/admin/reimbursements/claimreviewqueue/")
        assert [c.pk for c in page.context["cl"].result_list] == [second.pk, first.pk]
