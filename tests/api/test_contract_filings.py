"""The contract of the filings endpoints and the eligibility check, walked by every kind of caller (SPEC §6, §8).

A person reaches their own filings only (another's is a 404); staff read all; channels' own
keys and hospitals read none. Persons, counter staff and administrators submit, change,
withdraw and revoke; hospitals submit referrals; reviewers and administrators decide;
auditors change nothing. Eligibility is for hospitals and staff.
"""

import datetime

import pytest
from django.utils import timezone

from config.actors import Actor
from filings import services
from filings.models import Filing
from tests.api.mixins import (
    ACT_FOR_PERSON,
    DECIDE,
    READ_OWN,
    READ_OWN_RECORD,
    REASON_TOO_LONG,
    ActionContract,
    CreateObjectContract,
    GetObjectContract,
    ListObjectsContract,
    PinnedQueriesContract,
    QueryContract,
    pdf_upload,
)
from tests.factories import (
    FilingFactory,
    FilingRequestFactory,
    PersonFactory,
    UserFactory,
    filing_attach_required_documents,
    referring_hospital,
)

pytestmark = pytest.mark.django_db


def submitted_filing(owner, *, documents: bool = True) -> Filing:
    """A fast-track filing awaiting review, made through the service (so it has its submit event),
    with the documents its type requires, ready for a decision."""
    filing = services.filing_submit(
        actor=Actor.staff(UserFactory()),
        person=owner,
        data=FilingRequestFactory(fast_track=True, start_date=timezone.localdate()),
    )
    if documents:
        filing_attach_required_documents(filing)
    return filing


def effective_filing(owner) -> Filing:
    return FilingFactory(person=owner)


class FilingContract:
    url = "/api/v1/filings/"

    def make_record(self, owner):
        return effective_filing(owner)


class TestFilingList(FilingContract, ListObjectsContract):
    callers = READ_OWN
    invalid_query = {"state": "dormant"}


class TestFilingDetail(FilingContract, GetObjectContract, PinnedQueriesContract):
    callers = READ_OWN_RECORD
    detail_fields = frozenset({"state", "person", "destination", "checklist", "institutions", "version"})
    num_queries = {
        # the token with its user; the filing with person, destination, channel, replaces, replaced_by;
        # its institutions; its materials; the requirements of its type in force on the submission day
        "counter": 5,
        # the same, the first one being the session with its channel
        "owner": 5,
    }


class TestFilingEvents(FilingContract, GetObjectContract):
    callers = READ_OWN_RECORD
    detail_suffix = "events/"

    def make_record(self, owner):
        return submitted_filing(owner)

    def check_success(self, response, *, who, scene):
        events = response.json()
        assert [(e["filing"], e["action"]) for e in events] == [(scene.record.reference, "submit")]


class TestFilingSubmit(CreateObjectContract):
    """Persons, counter staff and administrators file; hospitals file referrals; the rest are refused."""

    url = "/api/v1/filings/"
    model = Filing
    callers = {**READ_OWN, "owner": 201, "stranger": 201, "hospital": 201, "counter": 201, "admin": 201} | {
        "reviewer": 403,
        "auditor": 403,
    }
    invalid = {"destination": "999999"}

    def make_record(self, owner):
        # The referring hospital: a tertiary designated institution of the insured city (Xiamen).
        return referring_hospital()

    def valid_body(self, who, scene):
        body = {
            "id_number": scene.owner.id_number,  # ignored for a person, who files for themself
            "filing_type": "other_temporary",
            "destination": "310000",
            "start_date": timezone.localdate().isoformat(),
            "contact_name": "张三",
            "contact_phone": "13906001234",
            "consent": True,
        }
        if who == "hospital":
            body |= {
                "name": scene.owner.name,  # a hospital names the person by ID number and name
                "filing_type": "referral",
                "referring_institution": scene.record.code,
                "referral_diagnosis": "肺癌",
                "referral_date": timezone.localdate().isoformat(),
            }
        return body


class TestFilingChange(FilingContract, ActionContract):
    callers = ACT_FOR_PERSON | {"owner": 201, "counter": 201, "admin": 201}
    success = 201
    action = "change/"
    body = {"destination": "440000"}
    invalid = {"destination": "999999"}
    expected_state, expected_event = "changed", "change"


class TestFilingApprove(FilingContract, ActionContract, PinnedQueriesContract):
    callers = DECIDE
    action = "approve/"
    invalid = REASON_TOO_LONG
    expected_state, expected_event = "effective", "approve"
    num_queries = {
        # the token with its user; the filing's id, as the reviewer may see it (1: not its checklist,
        # which the transition reads again); the transaction: savepoint, the filing locked with its
        # person, the documents its type requires and those received (2), the filing saved, its event,
        # the person's notification (the outbox), release; the reload (3); the requirements for the checklist
        "reviewer": 14,
    }

    def make_record(self, owner):
        return submitted_filing(owner)


class TestFilingReject(FilingContract, ActionContract):
    callers = DECIDE
    action = "reject/"
    body = {"reason": "材料不全"}
    invalid = {"reason": ""}
    expected_state, expected_event = "rejected", "reject"

    def make_record(self, owner):
        return submitted_filing(owner)


class TestFilingWithdraw(FilingContract, ActionContract):
    callers = ACT_FOR_PERSON
    action = "withdraw/"
    invalid = REASON_TOO_LONG
    expected_state, expected_event = "revoked", "withdraw"

    def make_record(self, owner):
        return submitted_filing(owner)


class TestFilingRevoke(FilingContract, ActionContract):
    callers = ACT_FOR_PERSON
    action = "revoke/"
    body = {"reason": "不再需要"}
    invalid = {"effective_to": (timezone.localdate() - datetime.timedelta(days=30)).isoformat()}
    expected_state, expected_event = "revoked", "revoke"


class TestFilingMaterialUpload(FilingContract, ActionContract):
    callers = ACT_FOR_PERSON | {"owner": 201, "counter": 201, "admin": 201}
    success = 201
    action = "materials/residence_proof/"
    format = "multipart"

    def make_record(self, owner):
        return submitted_filing(owner, documents=False)

    def valid_body(self, who, scene):
        return {"file": pdf_upload()}

    @property
    def invalid(self):
        return {"file": pdf_upload(b"GIF89a not a document", "proof.pdf")}

    def check_success(self, response, *, who, scene):
        assert scene.record.materials.get().item == response.json()["item"] == "residence_proof"


class TestEligibility(QueryContract):
    url = "/api/v1/eligibility/"
    callers = {**READ_OWN, "owner": 403, "stranger": 403, "hospital": 200}
    invalid_query = {"city": "999999"}
    answer_fields = frozenset({"covered", "basis", "filing", "reason_code", "reason", "remedy", "valid_until"})

    def make_record(self, owner):
        return effective_filing(owner)

    def query_for(self, scene):
        return {"id_number": scene.owner.id_number, "city": "310100", "visit": "inpatient"}

    def check_success(self, response, *, who, scene):
        super().check_success(response, who=who, scene=scene)
        assert (response.json()["covered"], response.json()["filing"]) == (True, scene.record.reference)


# --- known bugs, found by the walk above (strict: each fails today, and says so when fixed) -----------------


def test_hospital_non_referral_filing_is_403_whatever_the_body(hospital):
    owner = PersonFactory()
    body = {
        "id_number": owner.id_number,
        "filing_type": "other_temporary",
        "destination": "310000",
        "start_date": timezone.localdate().isoformat(),
        "contact_name": "张三",
        "contact_phone": "13906001234",
        "consent": True,
    }
    assert hospital.post("/api/v1/filings/", body).status_code == 403
    response = hospital.post("/api/v1/filings/", {**body, "start_date": "next monday"})
    assert response.status_code == 403, response.content
    assert not Filing.objects.exists()


def test_filing_detail_reads_the_uploaders_in_the_same_queries(counter, django_assert_num_queries):
    filing = submitted_filing(PersonFactory())
    for item in ("registration_form", "residence_proof"):
        response = counter.post(
            f"/api/v1/filings/{filing.reference}/materials/{item}/", {"file": pdf_upload()}, format="multipart"
        )
        assert response.status_code == 201, response.content
    with django_assert_num_queries(5):  # as TestFilingDetail pins for a filing without documents
        assert counter.get(f"/api/v1/filings/{filing.reference}/").status_code == 200
