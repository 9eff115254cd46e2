"""A reviewer at work in a real browser: a fast-track filing and a claim decided from the queues."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.choices import Role
from filings.choices import FilingMode, FilingState
from filings.models import Filing
from reimbursements.choices import ClaimState
from reimbursements.models import Claim
from tests.browser import pages
from tests.browser.pages import Desk, Label
from tests.factories import ClaimFactory, FilingFactory, PersonFactory, UserFactory, claim_accept_all

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reviewer(page):
    UserFactory(role=Role.REVIEWER, username="shenhe", last_name="李", first_name="审")
    desk = Desk(page)
    pages.log_in(desk, "shenhe")
    return desk


def fast_track_filing(name: str) -> Filing:
    """A fast-track filing awaiting review, its required documents uploaded."""
    return FilingFactory(
        person=PersonFactory(name=name),
        state=FilingState.SUBMITTED,
        mode=FilingMode.FAST_TRACK,
        proof_basis="documents",
        effective_at=None,
        submitted_at=timezone.now(),
        review_due=timezone.localdate() + datetime.timedelta(days=3),
    )


def test_reviewer_approves_a_fast_track_filing_from_the_queue(reviewer, screenshot, manual_screenshot):
    filing = fast_track_filing("孙七")
    other = fast_track_filing("周八")
    desk, page = reviewer, reviewer.page

    desk.follow(pages.index_link(desk, Label.FILING_QUEUE))
    expect(page.locator("#content h1")).to_contain_text("待审核备案")
    expect(pages.result_rows(desk)).to_have_count(2)
    screenshot("reviewer-desk")
    manual_screenshot("reviewer-filing-queue")
    # The queue offers a reviewer's decisions and nothing else.
    assert set(desk.action_labels()) == {Label.APPROVE_FILINGS, Label.REJECT_FILINGS}, desk.action_labels()

    pages.run_action(desk, filing.reference, Label.APPROVE_FILINGS)
    assert Label.APPROVE_FILINGS in desk.success_message()
    filing.refresh_from_db()
    assert filing.state == FilingState.EFFECTIVE
    # The approved filing leaves the queue; the other waits.
    expect(pages.result_rows(desk)).to_have_count(1)
    expect(pages.result_rows(desk).first).to_contain_text(other.reference)

    # The approved filing's page offers the reviewer nothing (change and revoke are the counter's).
    desk.goto(pages.filing_url(filing.pk))
    expect(page.locator(".field-state")).to_contain_text("已生效")
    assert desk.offered_transitions() == set(), desk.record_tasks()
    # The filing list holds no bulk actions for the reviewer.
    desk.goto(pages.FILINGS)
    assert desk.action_labels() == []


def test_reviewer_approves_a_claim_from_the_claim_queue(reviewer, screenshot, manual_screenshot):
    claim = ClaimFactory(person=PersonFactory(name="吴九"))
    claim_accept_all(claim)
    desk, page = reviewer, reviewer.page

    desk.follow(pages.index_link(desk, Label.CLAIM_QUEUE))
    expect(pages.result_rows(desk).filter(has_text=claim.reference)).to_have_count(1)
    assert set(desk.action_labels()) == {Label.START_REVIEW}, desk.action_labels()
    pages.run_action(desk, claim.reference, Label.START_REVIEW)
    desk.success_message()
    expect(pages.result_rows(desk).filter(has_text=claim.reference)).to_contain_text("审核中")

    desk.follow(pages.result_link(desk, claim.reference))
    expect(page.locator("#content")).to_contain_text(claim.reference)
    # Under review, the reviewer may approve or reject it; payment and withdrawal are not theirs.
    assert desk.offered_transitions() == {Label.APPROVE, Label.REFUSE_PAYMENT}, desk.record_tasks()
    pages.open_task(desk, Label.APPROVE)
    screenshot("reviewer-claim-approval")
    manual_screenshot("reviewer-claim-approval", full_page=True)
    facts = pages.task_confirmation(desk)
    payable = next((value for label, value in facts.items() if "金额" in label or "amount" in label), None)
    assert payable is not None and "元" in payable, facts
    pages.confirm_task(desk, Label.APPROVE)
    assert claim.reference in desk.success_message()
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED
    assert claim.payable_amount is not None
    # The approved claim has left the queue: the page after the approval must not look for it there.
    assert not desk.page.locator("ul.messagelist li.warning").count(), desk.page.locator("ul.messagelist").inner_text()

    desk.goto(pages.claim_url(claim.pk))
    expect(page.locator(".field-state")).to_contain_text("审核通过")
    assert desk.offered_transitions() == set(), desk.record_tasks()  # payment is an administrator's
    assert Claim.objects.filter(state=ClaimState.UNDER_REVIEW).count() == 0
