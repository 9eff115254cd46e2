"""What the system held at an instant, rebuilt from events and history: submit → change → revoke."""

import datetime

import pytest
from django.utils import timezone

from filings import services
from tests.factories import FilingRequestFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/audit/persons/{}/as-of/"


@pytest.fixture
def story(monkeypatch):
    """A person files for Shanghai, changes to Guangdong, then revokes; each step two hours apart.

    The clock is set for each step, so events and history rows carry the times they would have.
    """
    base = timezone.now() - datetime.timedelta(hours=6)
    hour = datetime.timedelta(hours=1)
    clock = {"now": base - 24 * hour}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    person = PersonFactory(retired=True)  # on record the day before
    counter = UserFactory(role="counter").actor
    today = timezone.localdate()
    clock["now"] = base
    first = services.filing_submit(
        actor=counter,
        person=person,
        data=FilingRequestFactory(start_date=today),
    )
    clock["now"] = base + 2 * hour
    second = services.filing_change(filing_id=first.pk, actor=counter, data={"destination": "440000"})
    clock["now"] = base + 4 * hour
    services.filing_transition(filing_id=second.pk, action="revoke", actor=counter, reason="回厦门")
    monkeypatch.undo()
    return person, first, second, base


def ask(client, person, at, **params):
    return client.get(URL.format(person.id_number), {"at": at.isoformat(), **params})


def test_three_instants_answer_what_was_held_then(client_for, story):
    person, first, second, base = story
    auditor = client_for(role="auditor")
    shanghai = {"city": "310100", "visit": "inpatient"}
    guangzhou = {"city": "440100", "visit": "inpatient"}
    # 1. After the submission: the Shanghai filing is effective; the second does not exist yet.
    one = ask(auditor, person, base + datetime.timedelta(hours=1), **shanghai).json()
    assert [(f["reference"], f["state"]) for f in one["filings"]] == [(first.reference, "effective")]
    assert (one["eligibility"]["covered"], one["eligibility"]["filing"]) == (True, first.reference)
    # 2. After the change: the first is changed, the Guangdong one effective; Shanghai no longer covered
    #    today (the old one covered the days before the new one started), Guangzhou is.
    two = ask(auditor, person, base + datetime.timedelta(hours=3), **guangzhou).json()
    assert {f["reference"]: f["state"] for f in two["filings"]} == {
        first.reference: "changed",
        second.reference: "effective",
    }
    assert (two["eligibility"]["covered"], two["eligibility"]["filing"]) == (True, second.reference)
    assert (
        ask(auditor, person, base + datetime.timedelta(hours=3), **shanghai).json()["eligibility"]["covered"] is False
    )
    # 3. After the revocation: nothing live, and Guangzhou not covered on the revocation's day.
    three = ask(auditor, person, base + datetime.timedelta(hours=5), **guangzhou).json()
    assert {f["reference"]: f["state"] for f in three["filings"]} == {
        first.reference: "changed",
        second.reference: "revoked",
    }
    assert three["eligibility"]["reason_code"] == "no_filing"
    # Before anything was filed: no filings; before the person was on record: 404.
    assert ask(auditor, person, base - datetime.timedelta(hours=1)).json()["filings"] == []
    assert ask(auditor, person, base - datetime.timedelta(hours=48)).status_code == 404


def test_only_auditors_ask_and_bad_questions_are_400(client_for, story):
    person, *_rest = story
    at = timezone.now().isoformat()
    assert client_for(role="counter").get(URL.format(person.id_number), {"at": at}).status_code == 403
    auditor = client_for(role="auditor")
    assert "at" in auditor.get(URL.format(person.id_number), {"at": "yesterday"}).json()["errors"]
    assert "visit" in auditor.get(URL.format(person.id_number), {"at": at, "city": "310100"}).json()["errors"]
    assert auditor.get(URL.format("110105194912310021"), {"at": at}).status_code == 404
