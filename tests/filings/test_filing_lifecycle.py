"""Filings through the API: every transition, legal and illegal, by every role, and the events written."""

import datetime
import re

import pytest
from django.utils import timezone

from accounts.choices import Role
from filings.models import Filing, FilingEvent, FilingPolicy
from registry.workdays import add_months
from tests.factories import (
    FilingFactory,
    FilingRequestFactory,
    InstitutionFactory,
    PersonFactory,
    filing_attach_required_documents,
    referring_hospital,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/filings/"


def today():
    return timezone.localdate()


def body(**overrides) -> dict:
    """The request body; a field given as None is left out."""
    return {k: v for k, v in FilingRequestFactory(**overrides).items() if v is not None}


def events(reference):
    return list(
        FilingEvent.objects.filter(filing__reference=reference)
        .order_by("id")
        .values_list("action", "from_state", "to_state")
    )


@pytest.fixture
def person():
    return PersonFactory(name="张三", retired=True)


@pytest.fixture
def me(client_for, person):
    return client_for(person=person)


class TestSubmit:
    def test_self_service_temporary_filing_takes_effect_at_once(self, me, person):
        response = me.post(URL, body())
        assert response.status_code == 201, response.content
        data = response.json()
        assert re.fullmatch(r"BA\d{14}", data["reference"])
        assert data["state"] == "effective"
        assert data["channel"] == "xm_wechat"
        assert data["category"] == "temporary"
        # The policy's six months, counted from the start day: 24 Nov → 23 May.
        assert data["end_date"] == (add_months(today(), 6) - datetime.timedelta(days=1)).isoformat()
        assert events(data["reference"]) == [("submit", "", "submitted"), ("activate", "submitted", "effective")]
        event = FilingEvent.objects.filter(filing__reference=data["reference"]).first()
        assert (event.actor_label, event.channel_id) == (f"person:{person.pk}", "xm_wechat")
        assert response["ETag"] == '"2"'

    def test_fast_track_waits_for_review_with_a_due_date(self, me):
        response = me.post(URL, body(filing_type="long_term_resident", mode="fast_track", proof_basis="documents"))
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["state"] == "submitted"
        assert data["review_due"] is not None
        assert data["proof_basis"] == "documents"
        assert data["end_date"] is None
        assert events(data["reference"]) == [("submit", "", "submitted")]
        assert {i["item"]: i["present"] for i in data["checklist"]} == {
            "registration_form": False,
            "residence_proof": False,
        }

    def test_self_service_long_term_rests_on_a_commitment(self, me):
        data = me.post(URL, body(filing_type="retiree_resettled")).json()
        assert data["state"] == "effective"
        assert data["proof_basis"] == "commitment"
        assert data["commitment_due_date"] == add_months(today(), 6).isoformat()

    def test_self_service_long_term_cannot_claim_unchecked_documents(self, me):
        response = me.post(URL, body(filing_type="retiree_resettled", proof_basis="documents"))
        assert response.status_code == 400
        assert "proof_basis" in response.json()["errors"]

    def test_second_live_filing_is_refused_with_409(self, me):
        first = me.post(URL, body()).json()["reference"]
        response = me.post(URL, body(destination="440000"))
        assert response.status_code == 409
        assert response.json()["code"] == "live_filing_exists"
        assert first in response.json()["message"]
        assert Filing.objects.count() == 1

    def test_counter_files_for_a_person_named_by_id_number_with_a_proxy(self, counter, person):
        response = counter.post(
            URL,
            body(
                id_number=person.id_number,
                proxy_name="李四",
                proxy_id_number="11010519491231002X",
                proxy_authorization=True,
            ),
        )
        assert response.status_code == 201, response.content
        assert response.json()["channel"] == "counter"
        assert response.json()["proxy_name"] == "李四"
        assert FilingEvent.objects.get(action="submit").actor_label.startswith("staff:")

    def test_counter_needs_an_id_number_of_an_insured_person(self, counter):
        assert "id_number" in counter.post(URL, body()).json()["errors"]
        response = counter.post(URL, body(id_number="11010519491231002X"))
        assert response.status_code == 400 and "id_number" in response.json()["errors"]

    def test_proxy_without_power_of_attorney_is_refused(self, counter, person):
        response = counter.post(
            URL, body(id_number=person.id_number, proxy_name="李四", proxy_id_number="11010519491231002X")
        )
        assert response.status_code == 400
        assert "proxy_authorization" in response.json()["errors"]

    @pytest.mark.parametrize("role", [Role.REVIEWER, Role.AUDITOR])
    def test_reviewers_and_auditors_do_not_file(self, client_for, person, role):
        response = client_for(role=role).post(URL, body(id_number=person.id_number))
        assert response.status_code == 403
        assert Filing.objects.count() == 0

    def test_channel_key_alone_cannot_file(self, client_for, person):
        assert client_for(channel="xm_wechat").post(URL, body(id_number=person.id_number)).status_code == 403

    def test_not_actively_insured_person_cannot_file(self, client_for):
        person = PersonFactory(insured_status="suspended")
        response = client_for(person=person).post(URL, body())
        assert response.status_code == 409
        assert response.json()["code"] == "not_actively_insured"


class TestReferral:
    @pytest.fixture
    def xiamen_hospital(self):
        return referring_hospital()  # the institution the ``hospital`` key belongs to

    def referral(self, person, hospital_code, **overrides):
        return body(
            filing_type="referral",
            id_number=person.id_number,
            name=person.name,
            referring_institution=hospital_code,
            referral_diagnosis="肺癌",
            referral_date=today().isoformat(),
            referral_reason="技术条件",
            referral_opinion="同意转诊",
            **overrides,
        )

    def test_hospital_referral_takes_effect_at_once(self, hospital, person, xiamen_hospital):
        response = hospital.post(URL, self.referral(person, xiamen_hospital.code, mode="fast_track"))
        assert response.status_code == 201, response.content
        data = response.json()
        assert (data["state"], data["channel"], data["referring_institution"]) == (
            "effective",
            "hospital",
            xiamen_hospital.code,
        )

    def test_referral_must_come_from_a_tertiary_xiamen_institution(self, hospital, person):
        level2 = InstitutionFactory(code="H35020000002", city_id="350200", level=2)
        response = hospital.post(URL, self.referral(person, level2.code))
        assert response.status_code == 400
        assert "referring_institution" in response.json()["errors"]

    def test_hospital_may_only_make_referrals(self, hospital, person):
        assert hospital.post(URL, body(id_number=person.id_number)).status_code == 403
        assert hospital.get(URL).status_code == 403

    def test_a_person_cannot_self_file_a_referral(self, me, xiamen_hospital):
        response = me.post(
            URL,
            body(
                filing_type="referral",
                referring_institution=xiamen_hospital.code,
                referral_diagnosis="x",
                referral_date=today().isoformat(),
            ),
        )
        assert response.status_code == 400
        assert "filing_type" in response.json()["errors"]


class TestBadInput:
    @pytest.mark.parametrize(
        "overrides, field",
        [
            ({"filing_type": "vacation"}, "filing_type"),
            ({"destination": "999999"}, "destination"),
            ({"destination": "350100"}, "destination"),  # Fuzhou: inside Fujian, not a listed city
            ({"end_date": "2000-01-01"}, "end_date"),
            ({"end_date": "__short__"}, "end_date"),
            ({"consent": None}, "consent"),
            ({"consent": False}, "consent"),
            ({"contact_phone": "12345"}, "contact_phone"),
            ({"start_date": "2026-02-30"}, "start_date"),
            ({"institutions": ["H44010000001"]}, "institutions"),
        ],
    )
    def test_bad_input_names_the_field_and_writes_nothing(self, me, overrides, field):
        if overrides.get("end_date") == "__short__":
            overrides = {"end_date": (today() + datetime.timedelta(days=60)).isoformat()}
        response = me.post(URL, body(**overrides))
        assert response.status_code == 400, response.content
        assert field in response.json()["errors"]
        assert Filing.objects.count() == 0 and FilingEvent.objects.count() == 0

    def test_long_term_filing_takes_no_end_date(self, me):
        response = me.post(URL, body(filing_type="retiree_resettled", end_date="2030-01-01"))
        assert response.status_code == 400 and "end_date" in response.json()["errors"]

    def test_listed_in_province_city_can_be_filed(self, me):
        response = me.post(URL, body(destination="350400"))  # Sanming still requires a filing
        assert response.status_code == 201, response.content

    def test_at_most_three_institutions_inside_the_destination(self, me):
        codes = [InstitutionFactory(city_id="310100").code for _ in range(4)]
        assert "institutions" in me.post(URL, body(institutions=codes)).json()["errors"]
        response = me.post(URL, body(institutions=codes[:3]))
        assert response.status_code == 201
        assert sorted(response.json()["institutions"]) == sorted(codes[:3])


class TestDecisions:
    @pytest.fixture
    def pending(self, me):
        """A fast-track filing on documents, its documents uploaded: ready for a decision."""
        body_ = body(filing_type="long_term_resident", mode="fast_track", proof_basis="documents")
        reference = me.post(URL, body_).json()["reference"]
        filing_attach_required_documents(Filing.objects.get(reference=reference))
        return reference

    def test_reviewer_approves(self, reviewer, pending):
        response = reviewer.post(f"{URL}{pending}/approve/")
        assert response.status_code == 200, response.content
        assert response.json()["state"] == "effective"
        assert events(pending)[-1] == ("approve", "submitted", "effective")

    @pytest.mark.parametrize("role", [Role.COUNTER, Role.AUDITOR])
    def test_non_reviewers_cannot_decide(self, client_for, pending, role):
        client = client_for(role=role)
        assert client.post(f"{URL}{pending}/approve/").status_code == 403
        assert client.post(f"{URL}{pending}/reject/", {"reason": "x"}).status_code == 403
        assert Filing.objects.get(reference=pending).state == "submitted"

    def test_the_person_cannot_approve_their_own_filing(self, me, pending):
        assert me.post(f"{URL}{pending}/approve/").status_code == 403

    def test_reject_needs_a_reason(self, reviewer, pending):
        response = reviewer.post(f"{URL}{pending}/reject/", {})
        assert response.status_code == 400 and "reason" in response.json()["errors"]
        response = reviewer.post(f"{URL}{pending}/reject/", {"reason": "居住证明不清晰"})
        assert response.json()["state"] == "rejected"
        assert response.json()["end_reason"] == "居住证明不清晰"
        assert events(pending)[-1] == ("reject", "submitted", "rejected")

    def test_deciding_twice_is_a_409_that_changes_nothing(self, reviewer, pending):
        reviewer.post(f"{URL}{pending}/approve/")
        for action in ("approve", "reject", "withdraw"):
            response = reviewer.post(f"{URL}{pending}/{action}/", {"reason": "x"})
            assert response.status_code in (403, 409), action
        response = reviewer.post(f"{URL}{pending}/approve/")
        assert response.status_code == 409
        assert response.json()["code"] == "invalid_transition"
        assert len(events(pending)) == 2

    def test_person_withdraws_before_a_decision(self, me, pending):
        response = me.post(f"{URL}{pending}/withdraw/")
        assert response.json()["state"] == "revoked"
        assert events(pending)[-1] == ("withdraw", "submitted", "revoked")
        assert me.post(f"{URL}{pending}/withdraw/").status_code == 409

    def test_effective_filing_cannot_be_withdrawn(self, me):
        ref = me.post(URL, body()).json()["reference"]
        assert me.post(f"{URL}{ref}/withdraw/").status_code == 409


class TestRevokeAndChange:
    @pytest.fixture
    def effective(self, me):
        return me.post(URL, body()).json()["reference"]

    def test_person_revokes_with_a_reason_at_once(self, me, effective):
        assert me.post(f"{URL}{effective}/revoke/", {}).status_code == 400
        response = me.post(f"{URL}{effective}/revoke/", {"reason": "不再外出"})
        assert response.status_code == 200
        data = response.json()
        assert data["state"] == "revoked"
        assert data["covered_until"] == (today() - datetime.timedelta(days=1)).isoformat()
        assert events(effective)[-1] == ("revoke", "effective", "revoked")
        assert me.post(f"{URL}{effective}/revoke/", {"reason": "again"}).status_code == 409

    def test_revoke_from_a_later_date(self, counter, effective):
        last = today() + datetime.timedelta(days=10)
        data = counter.post(f"{URL}{effective}/revoke/", {"reason": "x", "effective_to": last.isoformat()}).json()
        assert data["covered_until"] == last.isoformat()
        past = counter.post(f"{URL}{FilingFactory().reference}/revoke/", {"reason": "x", "effective_to": "2020-01-01"})
        assert past.status_code == 400 and "effective_to" in past.json()["errors"]

    def test_reviewer_and_auditor_cannot_revoke(self, client_for, effective):
        for role in (Role.REVIEWER, Role.AUDITOR):
            assert client_for(role=role).post(f"{URL}{effective}/revoke/", {"reason": "x"}).status_code == 403

    def test_change_replaces_the_filing(self, me, effective):
        response = me.post(f"{URL}{effective}/change/", {"destination": "440000", "reason": "搬家"})
        assert response.status_code == 201, response.content
        new = response.json()
        assert (new["state"], new["destination"], new["replaces"]) == ("effective", "440000", effective)
        old = me.get(f"{URL}{effective}/").json()
        assert (old["state"], old["replaced_by"]) == ("changed", new["reference"])
        assert events(effective)[-1] == ("change", "effective", "changed")
        change = FilingEvent.objects.get(filing__reference=effective, action="change")
        assert change.changes["destination"] == ["310000", "440000"]
        assert events(new["reference"]) == [("submit", "", "submitted"), ("activate", "submitted", "effective")]

    def test_change_of_a_pending_filing_is_a_409(self, me):
        ref = me.post(URL, body(filing_type="long_term_resident", mode="fast_track", proof_basis="documents")).json()[
            "reference"
        ]
        assert me.post(f"{URL}{ref}/change/", {"contact_name": "x"}).status_code == 409

    def test_change_with_bad_fields_changes_nothing(self, me, effective):
        response = me.post(f"{URL}{effective}/change/", {"destination": "999999"})
        assert response.status_code == 400
        assert Filing.objects.get(reference=effective).state == "effective"
        assert Filing.objects.count() == 1

    def test_minimum_holding_period_of_long_term_filings(self, me):
        FilingPolicy.objects.update(long_term_min_holding_months=6)
        ref = me.post(URL, body(filing_type="retiree_resettled")).json()["reference"]
        response = me.post(f"{URL}{ref}/revoke/", {"reason": "x"})
        assert response.status_code == 409
        assert response.json()["code"] == "minimum_holding_period"
        assert add_months(today(), 6).isoformat() in response.json()["message"]
        assert me.post(f"{URL}{ref}/change/", {"destination": "440000"}).status_code == 409

    def test_stale_if_match_is_412(self, me, effective):
        response = me.post(f"{URL}{effective}/revoke/", {"reason": "x"}, HTTP_IF_MATCH='"1"')
        assert response.status_code == 412
        assert Filing.objects.get(reference=effective).state == "effective"
        current = me.get(f"{URL}{effective}/")["ETag"]
        assert me.post(f"{URL}{effective}/revoke/", {"reason": "x"}, HTTP_IF_MATCH=current).status_code == 200


class TestVisibility:
    def test_another_persons_filing_is_404_for_every_verb_a_person_may_use(self, client_for, me):
        other = FilingFactory()
        ref = other.reference
        assert me.get(f"{URL}{ref}/").status_code == 404
        assert me.get(f"{URL}{ref}/events/").status_code == 404
        for action in ("withdraw", "revoke", "change"):
            assert me.post(f"{URL}{ref}/{action}/", {"reason": "x", "contact_name": "x"}).status_code == 404
        # A person may never approve: refused before any record is looked up, so nothing is revealed.
        assert me.post(f"{URL}{ref}/approve/", {}).status_code == 403
        assert me.get(URL).json()["count"] == 0

    def test_staff_and_auditors_read_everything(self, auditor):
        FilingFactory.create_batch(3)
        assert auditor.get(URL).json()["count"] == 3

    def test_events_oldest_first(self, me, reviewer):
        ref = me.post(URL, body(filing_type="long_term_resident", mode="fast_track", proof_basis="documents")).json()[
            "reference"
        ]
        reviewer.post(f"{URL}{ref}/reject/", {"reason": "材料不全"})
        history = me.get(f"{URL}{ref}/events/").json()
        assert [(e["action"], e["to_state"]) for e in history] == [("submit", "submitted"), ("reject", "rejected")]
        assert history[1]["reason"] == "材料不全"
        assert history[1]["actor"].startswith("staff:")
