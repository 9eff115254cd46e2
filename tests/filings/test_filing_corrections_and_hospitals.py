"""Contact corrections, fast-track approval on documents, and hospital keys that belong to an institution."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ChannelAPIKey
from filings.models import Filing, FilingEvent, FilingPolicy
from tests.factories import (
    PDF,
    FilingFactory,
    FilingRequestFactory,
    InstitutionFactory,
    PersonFactory,
    referring_hospital,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/filings/"
ELIGIBILITY = "/api/v1/eligibility/"


def today() -> datetime.date:
    return timezone.localdate()


def counts() -> tuple[int, int]:
    return Filing.objects.count(), FilingEvent.objects.count()


def body(**overrides) -> dict:
    """The request body; a field given as None is left out."""
    return {k: v for k, v in FilingRequestFactory(**overrides).items() if v is not None}


@pytest.fixture
def person():
    return PersonFactory(name="张三", retired=True)


@pytest.fixture
def me(client_for, person):
    return client_for(person=person)


# --- contact corrections ---------------------------------------------------------------------------------


class TestContactCorrection:
    @pytest.fixture
    def effective(self, me):
        response = me.post(URL, body(filing_type="retiree_resettled"))
        assert response.status_code == 201, response.content
        return response.json()["reference"]

    @pytest.mark.parametrize("who", ["person", "counter"])
    def test_the_person_or_counter_staff_correct_the_phone(self, client_for, person, effective, who):
        client = client_for(person=person) if who == "person" else client_for(role="counter")
        before = counts()
        response = client.post(f"{URL}{effective}/contact/", {"contact_phone": "139-0600-9999"})
        assert response.status_code == 200, response.content
        data = response.json()
        # The person reads their own phone; staff read it masked (PIPL).
        shown = "13906009999" if who == "person" else "139****9999"
        assert (data["reference"], data["state"], data["contact_phone"]) == (effective, "effective", shown)
        assert data["contact_name"] == "张三"
        # No new filing; one event, with the change.
        assert counts() == (before[0], before[1] + 1)
        event = FilingEvent.objects.filter(filing__reference=effective).latest("id")
        assert (event.action, event.from_state, event.to_state) == ("correct_contact", "effective", "effective")
        assert event.changes == {"contact_phone": ["13906001234", "13906009999"]}
        history = client.get(f"{URL}{effective}/events/").json()
        assert history[-1]["action"] == "correct_contact"
        expected = ["13906001234", "13906009999"] if who == "person" else ["139****1234", "139****9999"]
        assert history[-1]["changes"] == {"contact_phone": expected}

    def test_name_and_phone_together(self, me, effective):
        response = me.post(f"{URL}{effective}/contact/", {"contact_name": " 李四 ", "contact_phone": "13906005678"})
        assert response.status_code == 200, response.content
        assert (response.json()["contact_name"], response.json()["contact_phone"]) == ("李四", "13906005678")
        event = FilingEvent.objects.filter(filing__reference=effective).latest("id")
        assert event.changes == {"contact_name": ["张三", "李四"], "contact_phone": ["13906001234", "13906005678"]}

    def test_a_pending_filing_may_be_corrected_and_stays_pending(self, me):
        ref = me.post(URL, body(filing_type="long_term_resident", mode="fast_track", proof_basis="documents")).json()[
            "reference"
        ]
        response = me.post(f"{URL}{ref}/contact/", {"contact_name": "王五"})
        assert response.status_code == 200, response.content
        assert (response.json()["state"], response.json()["contact_name"]) == ("submitted", "王五")

    def test_no_holding_period_applies(self, me, effective):
        FilingPolicy.objects.update(long_term_min_holding_months=6)
        assert me.post(f"{URL}{effective}/change/", {"contact_phone": "13906009999"}).status_code == 409
        response = me.post(f"{URL}{effective}/contact/", {"contact_phone": "13906009999"})
        assert response.status_code == 200, response.content
        assert Filing.objects.count() == 1

    @pytest.mark.parametrize("role", ["reviewer", "auditor"])
    def test_reviewers_and_auditors_may_not(self, client_for, effective, role):
        before = counts()
        response = client_for(role=role).post(f"{URL}{effective}/contact/", {"contact_phone": "13906009999"})
        assert response.status_code == 403
        assert counts() == before

    def test_hospitals_and_other_persons_may_not(self, client_for, hospital, effective):
        before = counts()
        assert hospital.post(f"{URL}{effective}/contact/", {"contact_phone": "13906009999"}).status_code == 403
        stranger = client_for(person=PersonFactory())
        assert stranger.post(f"{URL}{effective}/contact/", {"contact_phone": "13906009999"}).status_code == 404
        assert counts() == before

    @pytest.mark.parametrize(
        "data, field",
        [
            ({"contact_phone": "12345"}, "contact_phone"),
            ({"contact_phone": "abcdefghijk"}, "contact_phone"),
            ({"contact_name": "   "}, "contact_name"),
            ({}, "contact_name"),
            ({"reason": "只有原因"}, "contact_name"),
        ],
    )
    def test_bad_corrections_are_400_and_change_nothing(self, me, effective, data, field):
        before = counts()
        response = me.post(f"{URL}{effective}/contact/", data)
        assert response.status_code == 400, response.content
        assert field in response.json()["errors"]
        assert counts() == before
        filing = Filing.objects.get(reference=effective)
        assert (filing.contact_name, filing.contact_phone) == ("张三", "13906001234")

    @pytest.mark.parametrize("state", ["revoked", "changed", "expired", "rejected"])
    def test_an_ended_filing_is_409(self, client_for, state):
        filing = FilingFactory(state=state, covered_until=today(), end_reason="x")
        before = counts()
        response = client_for(role="counter").post(
            f"{URL}{filing.reference}/contact/", {"contact_phone": "13906009999"}
        )
        assert response.status_code == 409, response.content
        assert counts() == before

    def test_after_a_revocation_through_the_api_is_409(self, me, effective):
        me.post(f"{URL}{effective}/revoke/", {"reason": "不去了"})
        response = me.post(f"{URL}{effective}/contact/", {"contact_phone": "13906009999"})
        assert response.status_code == 409
        assert Filing.objects.get(reference=effective).contact_phone == "13906001234"


# --- fast track on documents ------------------------------------------------------------------------------


def upload(client, ref, item):
    return client.post(f"{URL}{ref}/materials/{item}/", {"file": SimpleUploadedFile("d.pdf", PDF)}, format="multipart")


class TestFastTrackNeedsItsDocuments:
    @pytest.fixture
    def pending(self, me):
        response = me.post(URL, body(filing_type="long_term_resident", mode="fast_track", proof_basis="documents"))
        assert response.json()["state"] == "submitted", response.content
        return response.json()["reference"]

    def test_approval_waits_for_every_required_document(self, me, reviewer, pending):
        before = counts()
        response = reviewer.post(f"{URL}{pending}/approve/")
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "materials_missing"
        assert response.json()["errors"]["materials"] == ["异地就医备案登记表", "居住证明（居住证、户口簿等）"]
        assert "异地就医备案登记表" in response.json()["message"]
        assert counts() == before

        assert upload(me, pending, "registration_form").status_code == 201
        response = reviewer.post(f"{URL}{pending}/approve/")
        assert response.status_code == 409
        assert response.json()["errors"]["materials"] == ["居住证明（居住证、户口簿等）"]
        assert Filing.objects.get(reference=pending).state == "submitted"

        assert upload(me, pending, "residence_proof").status_code == 201
        response = reviewer.post(f"{URL}{pending}/approve/")
        assert response.status_code == 200, response.content
        assert response.json()["state"] == "effective"

    def test_a_submitted_factory_filing_without_documents_is_refused(self, reviewer):
        filing = FilingFactory(state="submitted", effective_at=None, mode="fast_track", documents=False)
        response = reviewer.post(f"{URL}{filing.reference}/approve/")
        assert response.status_code == 409
        assert response.json()["errors"]["materials"] == ["异地就医备案申请表"]
        with_documents = FilingFactory(state="submitted", effective_at=None, mode="fast_track")
        assert reviewer.post(f"{URL}{with_documents.reference}/approve/").status_code == 200

    def test_rejection_needs_no_documents(self, reviewer, pending):
        response = reviewer.post(f"{URL}{pending}/reject/", {"reason": "材料未上传"})
        assert (response.status_code, response.json()["state"]) == (200, "rejected")


# --- hospital keys belong to an institution ----------------------------------------------------------------


def referral(person, **overrides) -> dict:
    return body(
        filing_type="referral",
        id_number=person.id_number,
        name=person.name,
        referral_diagnosis="肺癌",
        referral_date=today().isoformat(),
        **overrides,
    )


class TestHospitalKeys:
    def test_a_key_of_no_institution_files_no_referral(self, client_for, person):
        nobody = client_for(channel="hospital")
        before = counts()
        response = nobody.post(URL, referral(person, referring_institution=referring_hospital().code))
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["referring_institution"]
        assert counts() == before

    def test_a_hospital_files_as_its_own_institution(self, hospital, person):
        response = hospital.post(URL, referral(person))
        assert response.status_code == 201, response.content
        assert response.json()["referring_institution"] == referring_hospital().code
        assert Filing.objects.get().referring_institution_id == referring_hospital().code

    def test_naming_another_institution_is_400(self, hospital, person):
        other = InstitutionFactory(code="H35020000077", city_id="350200", level=3)
        before = counts()
        response = hospital.post(URL, referral(person, referring_institution=other.code))
        assert response.status_code == 400
        assert "referring_institution" in response.json()["errors"]
        assert counts() == before

    def test_the_key_of_a_non_tertiary_or_out_of_city_institution_refers_nobody(self, client_for, person):
        for institution in (
            InstitutionFactory(code="H35020000078", city_id="350200", level=2),
            InstitutionFactory(code="H35010000079", city_id="350100", level=3),
        ):
            client = client_for(channel="hospital", institution=institution)
            response = client.post(URL, referral(person))
            assert response.status_code == 400, institution
            assert "referring_institution" in response.json()["errors"]
        assert not Filing.objects.exists()

    def test_institutions_named_on_a_filing_lie_in_its_destination(self, me):
        inside = InstitutionFactory(city_id="310100")
        outside = InstitutionFactory(city_id="440100")
        response = me.post(URL, body(institutions=[inside.code, outside.code]))
        assert response.status_code == 400 and "institutions" in response.json()["errors"]
        assert not Filing.objects.exists()
        assert me.post(URL, body(institutions=[inside.code])).status_code == 201


class TestHospitalEligibility:
    @pytest.fixture
    def covered(self, person):
        return FilingFactory(person=person, destination_id="310000")

    def ask(self, client, person, **params):
        response = client.get(ELIGIBILITY, {"id_number": person.id_number, "visit": "inpatient", **params})
        assert response.status_code == 200, response.content
        return response.json()

    def test_a_key_institution_answers_in_its_city(self, client_for, person, covered):
        shanghai = InstitutionFactory(city_id="310100", settles_inpatient=True)
        client = client_for(channel="hospital", institution=shanghai)
        answer = self.ask(client, person, city="310100")
        assert answer["covered"] is True
        assert answer["institution"] == {"code": shanghai.code, "name": shanghai.name, "direct_settlement": True}
        assert answer["remedy"] is None

    def test_a_key_institution_is_ignored_elsewhere(self, client_for, person, covered):
        shanghai = InstitutionFactory(city_id="310100", settles_inpatient=False)
        client = client_for(channel="hospital", institution=shanghai)
        answer = self.ask(client, person, city="440100")
        assert answer["institution"] is None
        assert answer["reason_code"] == "filed_elsewhere"

    def test_an_institution_named_in_the_question_outranks_the_keys_own(self, hospital, person, covered):
        named = InstitutionFactory(city_id="310100", settles_inpatient=False)
        answer = self.ask(hospital, person, city="310100", institution=named.code)
        assert answer["institution"]["code"] == named.code
        assert answer["institution"]["direct_settlement"] is False

    def test_a_named_institution_in_another_city_is_400(self, hospital, counter, person, covered):
        guangzhou = InstitutionFactory(city_id="440100")
        for client in (hospital, counter):
            response = client.get(
                ELIGIBILITY,
                {"id_number": person.id_number, "city": "310100", "visit": "inpatient", "institution": guangzhou.code},
            )
            assert response.status_code == 400, response.content
            assert response.json()["code"] == "institution_not_in_city"
            assert list(response.json()["errors"]) == ["institution"]

    def test_a_key_without_institution_may_not_ask(self, client_for, person, covered):
        """A hospital key that belongs to no institution is no hospital's: it may not ask about persons."""
        response = client_for(channel="hospital").get(
            "/api/v1/eligibility/",
            {"id_number": person.id_number, "city": "310100", "visit": "inpatient"},
        )
        assert response.status_code == 403
        assert response.json()["code"] == "key_without_institution"
        assert person.name not in response.content.decode()


class TestIssueKeyCommand:
    def issue(self, *args) -> str:
        out = io.StringIO()
        call_command("issue_key", *args, stdout=out)
        return out.getvalue().strip()

    def test_a_hospital_key_for_an_institution(self, person):
        institution = InstitutionFactory(code="H31010000321", city_id="310100", settles_inpatient=True)
        FilingFactory(person=person)
        plain = self.issue("hospital", "--institution", institution.code)
        assert ChannelAPIKey.objects.get_from_key(plain).institution_id == institution.code
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plain}")
        response = client.get(ELIGIBILITY, {"id_number": person.id_number, "city": "310100", "visit": "inpatient"})
        assert response.status_code == 200, response.content
        assert response.json()["institution"]["code"] == institution.code

    def test_a_key_it_prints_files_referrals_as_that_institution(self, person):
        plain = self.issue("hospital", "--institution", referring_hospital().code)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plain}")
        response = client.post(URL, referral(person))
        assert response.status_code == 201, response.content
        assert response.json()["referring_institution"] == referring_hospital().code

    @pytest.mark.parametrize(
        "args",
        [
            ("xm_wechat", "--institution", "H35020000001"),  # not a hospital channel
            ("hospital", "--institution", "H35029999999"),  # no such institution
            ("no_such_channel",),
        ],
    )
    def test_refusals_issue_no_key(self, args):
        referring_hospital()
        before = ChannelAPIKey.objects.count()
        with pytest.raises(CommandError):
            self.issue(*args)
        assert ChannelAPIKey.objects.count() == before
