"""A change carries the past (issue 22, SPEC §3.4): the documents delivered, a commitment's fulfilment and
its first due date go to the filing that replaces the old one, so that the nightly job never revokes a
filing for documents the bureau holds, and no change postpones what the person owes."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from filings.models import Filing, FilingEvent, FilingMaterial
from filings.services import filings_revoke_overdue_commitments
from registry.workdays import add_months
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/filings/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def today() -> datetime.date:
    return timezone.localdate()


def upload(client, ref, item, content=PDF):
    response = client.post(
        f"{URL}{ref}/materials/{item}/", {"file": SimpleUploadedFile("doc.pdf", content)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    return response


def change(client, ref, **data) -> Filing:
    response = client.post(f"{URL}{ref}/change/", data, format="json")
    assert response.status_code == 201, response.content
    return Filing.objects.get(reference=response.json()["reference"])


def change_event(filing: Filing) -> FilingEvent:
    return FilingEvent.objects.get(filing=filing.replaces, action="change")


@pytest.fixture
def person():
    return PersonFactory(retired=True, name="张三")


@pytest.fixture
def me(client_for, person):
    return client_for(person=person)


@pytest.fixture
def promised(me) -> Filing:
    """A self-service retiree filing resting on a commitment letter (异地安置地户籍证明 promised), effective."""
    response = me.post(
        URL,
        {
            "filing_type": "retiree_resettled",
            "destination": "310000",
            "start_date": today().isoformat(),
            "contact_name": "张三",
            "contact_phone": "13906001234",
            "consent": True,
        },
        format="json",
    )
    filing = Filing.objects.get(reference=response.json()["reference"])
    assert (filing.state, filing.proof_basis, filing.commitment_fulfilled_at) == ("effective", "commitment", None)
    assert filing.commitment_due_date == add_months(today(), 6)
    return filing


def filed_months_ago(filing: Filing, days_left: int) -> datetime.date:
    """As if the filing had been made months ago: its documents are due in ``days_left`` days."""
    due = today() + datetime.timedelta(days=days_left)
    Filing.objects.filter(pk=filing.pk).update(commitment_due_date=due)
    return due


def test_documents_delivered_are_carried_and_the_nightly_job_does_not_revoke(me, promised):
    original_due = filed_months_ago(promised, days_left=10)
    upload(me, promised.reference, "household_proof")
    assert Filing.objects.get(pk=promised.pk).commitment_fulfilled_at is not None
    new = change(me, promised.reference, destination="440000")

    assert new.commitment_fulfilled_at is not None and new.commitment_due_date == original_due
    carried = FilingMaterial.objects.get(filing=new)
    delivered = FilingMaterial.objects.get(filing=promised)
    assert (carried.item, carried.carried_from_id, carried.file.name) == (
        "household_proof",
        delivered.pk,
        delivered.file.name,
    )
    for ref in (promised.reference, new.reference):  # the one file, readable from both filings
        response = me.get(f"{URL}{ref}/materials/household_proof/")
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    checklist = {i["item"]: i["present"] for i in me.get(f"{URL}{new.reference}/").json()["checklist"]}
    assert checklist["household_proof"] is True
    assert change_event(new).changes["carried"] == {
        "materials": ["household_proof"],
        "commitment_due_date": original_due.isoformat(),
        "commitment_fulfilled": True,
    }

    assert filings_revoke_overdue_commitments(today=original_due + datetime.timedelta(days=1)) == []
    assert Filing.objects.get(pk=new.pk).state == "effective"


def test_a_filing_changed_twice_keeps_its_first_due_date_and_is_revoked_past_it(me, promised):
    first_due = filed_months_ago(promised, days_left=10)
    once = change(me, promised.reference, destination="440000")
    twice = change(me, once.reference, contact_phone="13906005678")
    assert [f.commitment_due_date for f in (once, twice)] == [first_due, first_due]
    assert (once.commitment_fulfilled_at, twice.commitment_fulfilled_at) == (None, None)
    assert change_event(twice).changes["carried"] == {
        "materials": [],
        "commitment_due_date": first_due.isoformat(),
        "commitment_fulfilled": False,
    }
    assert filings_revoke_overdue_commitments(today=first_due) == []  # due that day: not yet overdue
    revoked = filings_revoke_overdue_commitments(today=first_due + datetime.timedelta(days=1))
    assert [f.pk for f in revoked] == [twice.pk]


def test_documents_delivered_after_a_change_fulfil_the_carried_promise(me, promised):
    new = change(me, promised.reference, destination="440000")
    upload(me, new.reference, "household_proof")
    new.refresh_from_db()
    assert new.commitment_fulfilled_at is not None
    assert filings_revoke_overdue_commitments(today=add_months(today(), 7)) == []


def test_a_change_of_type_carries_what_the_new_type_asks_for_and_asks_only_for_the_rest(me, reviewer, person):
    """Fast track with both documents, approved; then changed to a retiree filing resting on a commitment: the
    registration form is carried, the residence proof is not (the new type does not ask for it), and only the
    household proof is still asked for, due from the change (no earlier promise was pending)."""
    ref = me.post(
        URL,
        {
            "filing_type": "long_term_resident",
            "destination": "310000",
            "start_date": today().isoformat(),
            "contact_name": "张三",
            "contact_phone": "13906001234",
            "consent": True,
            "mode": "fast_track",
            "proof_basis": "documents",
        },
        format="json",
    ).json()["reference"]
    for item in ("registration_form", "residence_proof"):
        upload(me, ref, item)
    assert reviewer.post(f"{URL}{ref}/approve/").status_code == 200
    new = change(me, ref, filing_type="retiree_resettled", mode="self_service", proof_basis="commitment")
    assert set(FilingMaterial.objects.filter(filing=new).values_list("item", flat=True)) == {"registration_form"}
    checklist = {i["item"]: i["present"] for i in me.get(f"{URL}{new.reference}/").json()["checklist"]}
    assert checklist == {"registration_form": True, "household_proof": False}
    assert new.commitment_fulfilled_at is None and new.commitment_due_date == add_months(today(), 6)
    upload(me, new.reference, "household_proof")
    assert Filing.objects.get(pk=new.pk).commitment_fulfilled_at is not None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"commitment_due_date": "2030-01-01"}, "commitment_due_date"),
        ({"destination": "440000", "commitment_fulfilled_at": "2026-01-01T00:00:00+08:00"}, "commitment_fulfilled_at"),
        ({"destination": "440000", "state": "effective"}, "state"),
    ],
)
def test_a_change_that_tries_to_set_the_commitment_is_refused_naming_the_field(me, promised, body, field):
    before = (Filing.objects.count(), FilingEvent.objects.count(), FilingMaterial.objects.count())
    response = me.post(f"{URL}{promised.reference}/change/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert (Filing.objects.count(), FilingEvent.objects.count(), FilingMaterial.objects.count()) == before
    assert Filing.objects.get(pk=promised.pk).state == "effective"


# --- through whatever types: the chain, not only the filing replaced (hostile review) -----------------------------


def test_a_round_trip_through_a_type_without_a_promise_keeps_the_first_due_date(me, promised):
    first_due = filed_months_ago(promised, days_left=10)
    temporary = change(
        me,
        promised.reference,
        filing_type="other_temporary",
        proof_basis="documents",
        end_date=add_months(today(), 6).isoformat(),
    )
    assert temporary.commitment_due_date is None
    back = change(me, temporary.reference, filing_type="retiree_resettled", proof_basis="commitment")
    assert back.commitment_due_date == first_due and back.commitment_fulfilled_at is None


def test_an_item_promised_earlier_keeps_its_due_date_after_another_promise_was_kept(me, promised):
    first_due = filed_months_ago(promised, days_left=10)
    resident = change(me, promised.reference, filing_type="long_term_resident")
    assert resident.commitment_due_date == first_due
    upload(me, resident.reference, "residence_proof")
    assert Filing.objects.get(pk=resident.pk).commitment_fulfilled_at is not None
    retiree = change(me, resident.reference, filing_type="retiree_resettled")
    assert retiree.commitment_fulfilled_at is None
    assert retiree.commitment_due_date == first_due  # household_proof was promised first on that date

    # And the residence proof delivered two filings back is carried again when a type asks for it.
    resident_again = change(me, retiree.reference, filing_type="long_term_resident")
    assert set(FilingMaterial.objects.filter(filing=resident_again).values_list("item", flat=True)) == {
        "residence_proof"
    }
    assert resident_again.commitment_fulfilled_at is not None
    assert filings_revoke_overdue_commitments(today=first_due + datetime.timedelta(days=1)) == []
    assert Filing.objects.get(pk=resident_again.pk).state == "effective"
