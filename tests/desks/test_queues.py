"""The day's work: queues sorted by due date with overdue marked, counts on the index, due dates from records."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.choices import Role
from reimbursements import services
from reimbursements.models import Claim
from tests.factories import ClaimFactory, FilingFactory, UserFactory, claim_accept_all, claim_deliver_all

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY, TOMORROW = TODAY - datetime.timedelta(days=1), TODAY + datetime.timedelta(days=1)


def as_role(role) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


@pytest.fixture
def waiting():
    filings = [
        FilingFactory(state="submitted", effective_at=None, review_due=day, mode="fast_track")
        for day in (TOMORROW, YESTERDAY, TODAY)
    ]
    claims = [ClaimFactory(state=state) for state in ("submitted", "under_review", "materials_incomplete")]
    for claim, day in zip(claims, (TOMORROW, YESTERDAY, YESTERDAY), strict=True):
        Claim.objects.filter(pk=claim.pk).update(review_due=day)
    return filings, claims


def test_the_index_counts_each_queue_by_due_date_for_reviewers(waiting):
    response = as_role(Role.REVIEWER).get("/admin/")
    counts = {str(row.label): (row.overdue, row.today, row.later) for row in response.context["queue_counts"]}
    # The claim waiting for the person's materials is not the bureau's work: it is not counted.
    assert counts == {"待审核的快速备案": (1, 1, 1), "待决定的报销申请": (1, 0, 1)}
    assert 'id="desk-queues"' in response.content.decode()


def test_each_count_on_the_index_links_to_the_queue_showing_just_those(waiting):
    filings, _claims = waiting
    reviewer = as_role(Role.REVIEWER)
    page = reviewer.get("/admin/").content.decode()
    queue = "/admin/filings/filingreviewqueue/"
    for due, expected in (("overdue", [filings[1]]), ("today", [filings[2]]), ("later", [filings[0]])):
        assert f'href="{queue}?due={due}"' in page
        listed = reviewer.get(queue, {"due": due}).context["cl"].result_list
        assert [filing.reference for filing in listed] == [filing.reference for filing in expected], due


def test_roles_that_decide_nothing_see_no_queue_counts(waiting):
    assert as_role(Role.COUNTER).get("/admin/").context["queue_counts"] == []
    assert as_role(Role.AUDITOR).get("/admin/").context["queue_counts"] == []


def test_the_filing_queue_puts_the_most_urgent_first_and_marks_the_overdue(waiting):
    filings, _claims = waiting
    response = as_role(Role.REVIEWER).get("/admin/filings/filingreviewqueue/")
    assert [f.pk for f in response.context["cl"].result_list] == [filings[1].pk, filings[2].pk, filings[0].pk]
    html = response.content.decode()
    assert html.count("（已逾期）") == 1
    assert "documents" in response.context["cl"].list_display


def test_the_claim_queue_holds_only_claims_awaiting_a_decision_most_urgent_first(waiting):
    _filings, claims = waiting
    response = as_role(Role.REVIEWER).get("/admin/reimbursements/claimreviewqueue/")
    assert [c.pk for c in response.context["cl"].result_list] == [claims[1].pk, claims[0].pk]
    state_filter = next(f for f in response.context["cl"].filter_specs if f.parameter_name == "state")
    assert [value for value, _label in state_filter.lookup_choices] == ["submitted", "under_review"]
    html = response.content.decode()
    assert "（已逾期）" in html and " / " in html


def test_materials_complete_counts_accepted_required_items():
    claim = ClaimFactory()
    required = claim.materials.filter(required=True).count()
    page = as_role(Role.REVIEWER).get("/admin/reimbursements/claimreviewqueue/").content.decode()
    assert f"0 / {required}" in page
    claim_accept_all(claim)
    page = as_role(Role.REVIEWER).get("/admin/reimbursements/claimreviewqueue/").content.decode()
    assert f"{required} / {required} ✓" in page


def test_a_claim_is_due_working_days_after_submission_and_again_after_corrections(counter):
    claim = ClaimFactory()
    assert claim.review_due is not None and claim.review_due > TODAY
    services.claim_transition(
        claim_id=claim.pk, action="request_materials", actor=UserFactory(role=Role.COUNTER).actor, reason="缺发票"
    )
    Claim.objects.filter(pk=claim.pk).update(review_due=YESTERDAY)
    claim_deliver_all(claim)
    services.claim_transition(claim_id=claim.pk, action="submit", actor=UserFactory(role=Role.COUNTER).actor)
    claim.refresh_from_db()
    assert claim.review_due > TODAY
    assert claim.events.order_by("-id").first().changes["review_due"] == claim.review_due.isoformat()
