"""Lists at 1366×768: every column within the page without scrolling sideways, names on one line."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.choices import Role
from audit.services import eligibility_question_record
from config.actors import Actor
from filings.choices import FilingState
from registry.choices import RevealPurpose
from registry.services import person_reveal
from reimbursements.choices import ClaimState
from tests.browser import pages
from tests.browser.pages import Desk
from tests.factories import (
    ClaimFactory,
    FilingFactory,
    InstitutionFactory,
    NotificationFactory,
    PersonFactory,
    UserFactory,
    channel_key,
)

pytestmark = pytest.mark.django_db(transaction=True)

# The lists each desk lives in (the queues are lists of their own).
LISTS = {
    Role.COUNTER: [
        "/admin/registry/person/",
        "/admin/filings/filing/",
        "/admin/reimbursements/claim/",
    ],
    Role.REVIEWER: [
        "/admin/filings/filingreviewqueue/",
        "/admin/reimbursements/claimreviewqueue/",
    ],
    Role.AUDITOR: [
        "/admin/audit/auditevent/",
        "/admin/registry/persondataaccess/",
        "/admin/audit/eligibilityquestion/",
        "/admin/filings/filing/",
        "/admin/reimbursements/claim/",
    ],
    Role.ADMIN: [
        "/admin/accounts/user/",
        "/admin/accounts/channelapikey/",
        "/admin/notifications/notification/",
        "/admin/reimbursements/benefitpolicy/",
        "/admin/filings/filingtyperule/",
    ],
}

# What a list's table needs and has: its width against its box's, and any cell of a name that wraps.
MEASURE = """() => {
  const table = document.querySelector('#result_list');
  if (!table) return null;
  const box = table.closest('.results') || table.parentElement;
  // A cell of one line has all its text's boxes at one height; a wrapped one at two or more.
  const wrapped = [...table.querySelectorAll('tbody td, tbody th')].filter(cell => {
    if (getComputedStyle(cell).whiteSpace !== 'nowrap') return false;
    const text = document.createRange();
    text.selectNodeContents(cell);
    const tops = new Set([...text.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.bottom)));
    return tops.size > 1;
  }).map(cell => cell.textContent.trim());
  return {table: table.scrollWidth, box: box.clientWidth, page: document.documentElement.scrollWidth,
          viewport: document.documentElement.clientWidth, wrapped};
}"""


def records(user) -> None:
    """Rows with long names, every state a list shows, a reveal logged, a hospital's key."""
    for n, state in enumerate([FilingState.SUBMITTED, FilingState.EFFECTIVE, FilingState.SUBMITTED]):
        person = PersonFactory(name=f"欧阳娜娜娜娜{n}")
        FilingFactory(person=person, state=state, proof_basis="documents")
        ClaimFactory(person=person, state=ClaimState.SUBMITTED)
    person_reveal(
        person=person, fields=["id_number"], purpose=RevealPurpose.OTHER, reason="核对身份", actor=Actor.staff(user)
    )
    channel_key("hospital", institution=InstitutionFactory())
    NotificationFactory()
    eligibility_question_record(
        actor=Actor.staff(user),
        key_prefix="",
        id_number=person.id_number,
        city_code="310100",
        on=timezone.localdate(),
        visit="inpatient",
        covered=True,
        reason_code="covered",
    )


@pytest.mark.parametrize("role", list(LISTS))
def test_each_desks_lists_fit_at_1366(page, role, screenshot):
    records(UserFactory(role=role, username="yuangong", last_name="欧阳", first_name="明"))
    desk = Desk(page)
    pages.log_in(desk, "yuangong")
    misfits = {}
    for url in LISTS[role]:
        desk.goto(url)
        measured = page.evaluate(MEASURE)
        assert measured is not None, f"{url}: no list shown to {role}"
        if measured["table"] > measured["box"] or measured["page"] > measured["viewport"] or measured["wrapped"]:
            misfits[url] = measured
            screenshot(f"misfit-{role}-{url.strip('/').replace('/', '-')}")
    assert not misfits, misfits
