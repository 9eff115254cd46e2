"""Review deadlines: a fast-track filing or a claim still undecided after its due date is flagged, once."""

import datetime

import pytest
from django.utils import timezone

from filings import services as filing_services
from filings.choices import FilingAction
from filings.models import Filing
from notifications import selectors, services
from notifications.models import OverdueReview
from reimbursements import services as claim_services
from reimbursements.choices import ClaimAction, ClaimState
from reimbursements.models import ClaimPolicy
from tests.factories import ClaimFactory, HolidayFactory, PersonFactory, claim_accept_all
from tests.notifications.helpers import counter, fast_track_filing, reviewer

pytestmark = pytest.mark.django_db
FRIDAY = datetime.datetime(2090, 3, 3, 10, 0, tzinfo=datetime.UTC)  # 2090-03-03 is a Friday, far from seeded holidays


def review_working_days(days: int) -> None:
    ClaimPolicy.objects.update(review_working_days=days)  # the policy in force, whichever row it is


@pytest.fixture
def on(monkeypatch):
    """on(moment): the clock reads ``moment`` until the next call or the end of the test."""

    def travel(moment: datetime.datetime):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return travel


def test_a_fast_track_filing_past_its_due_date_is_flagged_once_and_unflagged_by_a_decision():
    filing = fast_track_filing(PersonFactory())
    due = filing.review_due
    assert services.reviews_flag_overdue(today=due) == 0  # due today: not late yet
    assert services.reviews_flag_overdue(today=due + datetime.timedelta(1)) == 1
    assert services.reviews_flag_overdue(today=due + datetime.timedelta(2)) == 0
    mark = OverdueReview.objects.get()
    assert (mark.record_type, mark.reference, mark.due_on) == ("filing", filing.reference, due)
    assert mark.filing_id == filing.pk
    assert selectors.overdue_counts() == {"filing": 1, "claim": 0}
    assert selectors.is_overdue(record_type="filing", reference=filing.reference)
    filing_services.filing_transition(filing_id=filing.pk, action=FilingAction.APPROVE, actor=reviewer())
    assert selectors.overdue_counts() == {"filing": 0, "claim": 0}
    assert OverdueReview.objects.count() == 1  # the mark stays: it happened


def test_self_service_filings_have_no_review_to_be_late_for():
    from tests.notifications.helpers import self_service_filing

    self_service_filing(PersonFactory())
    assert services.reviews_flag_overdue(today=timezone.localdate() + datetime.timedelta(days=400)) == 0


def test_a_claim_is_due_in_working_days_from_its_submission(on):
    review_working_days(3)
    on(FRIDAY)
    HolidayFactory(date=datetime.date(2090, 3, 7))  # the Tuesday after is a public holiday
    claim = ClaimFactory()
    [(pk, reference, due)] = selectors.claim_review_due_dates()
    assert (pk, reference) == (claim.pk, claim.reference)
    assert due == datetime.date(2090, 3, 9)  # Mon 6, (Tue 7 off), Wed 8, Thu 9
    assert services.reviews_flag_overdue(today=due) == 0
    assert services.reviews_flag_overdue(today=due + datetime.timedelta(1)) == 1
    assert selectors.overdue_counts() == {"filing": 0, "claim": 1}


def test_a_resubmission_after_supplementing_materials_starts_the_time_again(on):
    review_working_days(3)
    on(FRIDAY)
    claim = ClaimFactory()
    on(FRIDAY + datetime.timedelta(days=10))
    assert services.reviews_flag_overdue() == 1
    claim_services.claim_transition(claim_id=claim.pk, action=ClaimAction.REQUEST_MATERIALS, actor=counter())
    assert selectors.overdue_counts()["claim"] == 0  # waiting on the person, not on the bureau
    assert services.reviews_flag_overdue() == 0
    on(FRIDAY + datetime.timedelta(days=11))
    claim_accept_all(claim)
    claim_services.claim_transition(claim_id=claim.pk, action=ClaimAction.SUBMIT, actor=counter())
    assert selectors.overdue_counts()["claim"] == 0  # resubmitted: the old mark no longer counts
    [(_pk, _ref, due)] = selectors.claim_review_due_dates()
    assert due == datetime.date(2090, 3, 17)  # resubmitted Tue 14: Wed 15, Thu 16, Fri 17
    on(datetime.datetime.combine(due + datetime.timedelta(1), datetime.time(10), tzinfo=datetime.UTC))
    assert services.reviews_flag_overdue() == 1
    assert selectors.overdue_counts()["claim"] == 1
    assert OverdueReview.objects.filter(reference=claim.reference).count() == 2


def test_decided_claims_are_never_flagged(on):
    review_working_days(1)
    on(FRIDAY)
    ClaimFactory(state=ClaimState.APPROVED)
    ClaimFactory(state=ClaimState.REJECTED)
    ClaimFactory(state=ClaimState.MATERIALS_INCOMPLETE)
    on(FRIDAY + datetime.timedelta(days=30))
    assert services.reviews_flag_overdue() == 0
    assert Filing.objects.count() == 0
