"""A task on a record someone else acted on meanwhile: the page says who did what when, keeps what was
typed, and does nothing; a task still open runs once submitted again on the record as it is now."""

import pytest
from django.test import Client
from django.utils import timezone

from accounts.choices import Role
from config.actors import Actor
from filings import services as filing_services
from filings.choices import FilingAction, FilingState
from reimbursements import services
from reimbursements.choices import ClaimAction, ClaimState
from reimbursements.models import ClaimEvent
from tests.factories import ClaimFactory, FilingFactory, UserFactory, claim_accept_all

pytestmark = pytest.mark.django_db


def desk(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def task_url(claim, task: str) -> str:
    return f"/admin/reimbursements/claim/{claim.pk}/do/{task}/"


@pytest.fixture
def reviewers():
    return (
        UserFactory(role=Role.REVIEWER, last_name="陈", first_name="一"),
        UserFactory(role=Role.REVIEWER, last_name="林", first_name="二"),
    )


def test_a_task_closed_meanwhile_says_who_did_what_and_keeps_the_typed_reason(reviewers):
    first, second = reviewers
    claim = ClaimFactory(state=ClaimState.UNDER_REVIEW)
    page = desk(first).get(task_url(claim, "reject"))
    seen = page.context["seen"]
    assert seen.startswith(f"{claim.version}.")
    # Meanwhile, in another tab, the other reviewer approves it.
    services.claim_transition(claim_id=claim.pk, action=ClaimAction.APPROVE, actor=Actor.staff(second))
    events = ClaimEvent.objects.filter(claim=claim).count()

    response = desk(first).post(task_url(claim, "reject"), {"reason": "发票金额与清单不符，需核对", "seen": seen})

    assert response.status_code == 409
    html = response.content.decode()
    stale = response.context["stale"]
    assert "林二（审核）" in stale and "审核通过" in stale  # who, and what the claim is now
    assert "发票金额与清单不符，需核对" in html  # what was typed is still on the page
    assert 'type="submit"' not in html.split('id="task-form"')[1]  # and nothing to press again
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED
    assert ClaimEvent.objects.filter(claim=claim).count() == events


def test_a_task_still_open_but_the_record_changed_runs_only_when_submitted_again(reviewers):
    first, second = reviewers
    claim = ClaimFactory(state=ClaimState.SUBMITTED)
    seen = desk(first).get(task_url(claim, "reject")).context["seen"]
    claim_accept_all(claim)
    claim.refresh_from_db()
    services.claim_transition(claim_id=claim.pk, action=ClaimAction.START_REVIEW, actor=Actor.staff(second))

    stale = desk(first).post(task_url(claim, "reject"), {"reason": "不属于报销范围", "seen": seen})
    assert stale.status_code == 409
    assert "开始审核" in stale.context["stale"] and "林二（审核）" in stale.context["stale"]
    claim.refresh_from_db()
    assert claim.state == ClaimState.UNDER_REVIEW  # nothing done on the first submission

    again = desk(first).post(task_url(claim, "reject"), {"reason": "不属于报销范围", "seen": stale.context["seen"]})
    assert again.status_code == 302
    claim.refresh_from_db()
    assert claim.state == ClaimState.REJECTED and claim.events.latest("at").reason == "不属于报销范围"


def test_a_task_link_on_a_stale_page_returns_to_the_record_saying_what_happened(reviewers):
    first, second = reviewers
    claim = ClaimFactory(state=ClaimState.UNDER_REVIEW)
    record_page = desk(first).get(f"/admin/reimbursements/claim/{claim.pk}/change/").content.decode()
    link = (
        task_url(claim, "approve")
        + "?seen="
        + record_page.split(task_url(claim, "approve") + "?seen=")[1].split('"')[0]
    )
    services.claim_transition(
        claim_id=claim.pk, action=ClaimAction.REJECT, actor=Actor.staff(second), reason="材料不实"
    )

    response = desk(first).get(link, follow=True)
    assert response.redirect_chain[-1][0] == f"/admin/reimbursements/claim/{claim.pk}/change/"
    said = [str(message) for message in response.context["messages"]]
    assert any("林二（审核）" in text and "不予支付" in text for text in said), said


def test_without_a_stale_page_a_closed_task_is_still_refused():
    claim = ClaimFactory(state=ClaimState.APPROVED)
    reviewer = desk(UserFactory(role=Role.REVIEWER))
    assert reviewer.post(task_url(claim, "reject"), {"reason": "x"}).status_code == 403
    shown = f"{claim.version}.{int(timezone.now().timestamp() * 1000)}"
    assert reviewer.post(task_url(claim, "reject"), {"reason": "x", "seen": shown}).status_code == 403


def test_a_filing_withdrawn_meanwhile_names_the_counter_clerk_on_the_reviewers_page(reviewers):
    reviewer, _other = reviewers
    clerk = UserFactory(role=Role.COUNTER, last_name="黄", first_name="柜")
    filing = FilingFactory(state=FilingState.SUBMITTED, proof_basis="documents", effective_at=None)
    url = f"/admin/filings/filing/{filing.pk}/do/reject/"
    seen = desk(reviewer).get(url).context["seen"]
    filing_services.filing_transition(
        filing_id=filing.pk, action=FilingAction.WITHDRAW, actor=Actor.staff(clerk), reason="本人申请撤回"
    )

    response = desk(reviewer).post(url, {"reason": "证明材料不全", "seen": seen})

    assert response.status_code == 409
    assert "黄柜（窗口经办）" in response.context["stale"] and "撤回" in response.context["stale"]
    assert "证明材料不全" in response.content.decode()
    filing.refresh_from_db()
    assert filing.state == FilingState.REVOKED and filing.events.latest("at").reason == "本人申请撤回"


@pytest.mark.parametrize(
    "seen",
    [
        "1.²",  # a digit to str.isdigit, not to int
        "1.253402300800000",  # after the year 9999
        "1.99999999999999999999",
        "1." + "9" * 5000,
        "1.0",  # 1970: before the record existed
        "1.-5",
        "abc",
        "",
        "1.5.5",
    ],
)
def test_a_forged_or_garbled_token_is_judged_as_no_token(seen, reviewers):
    first, second = reviewers
    claim = ClaimFactory(state=ClaimState.UNDER_REVIEW)
    services.claim_transition(claim_id=claim.pk, action=ClaimAction.APPROVE, actor=Actor.staff(second))
    reviewer = desk(first)
    # The task is closed now: refused, as without a token; no page lists events on a forged word.
    assert reviewer.get(task_url(claim, "reject"), {"seen": seen}).status_code == 403
    assert reviewer.post(task_url(claim, "reject"), {"reason": "不予支付的理由", "seen": seen}).status_code == 403
    # A task still open opens as ever, the token unread.
    page = desk(UserFactory(role=Role.ADMIN)).get(task_url(claim, "pay"), {"seen": seen})
    assert page.status_code == 200 and page.context["stale"] is None
