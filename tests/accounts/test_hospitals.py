"""A hospital is a channel of the hospital group: every such channel's key acts as a hospital, and only so."""

import pytest
from django.utils import timezone

from accounts.models import Channel, ChannelAPIKey
from filings.models import Filing
from tests.factories import FilingFactory, InstitutionFactory, PersonFactory

pytestmark = pytest.mark.django_db


def key_client(client_for, code: str, group: str, institution=None):
    Channel.objects.create(code=code, name=f"{code} 医院", group=group)
    channel = Channel.objects.get(code=code)
    _key, plain = ChannelAPIKey.objects.create_key(name=code, channel=channel, institution=institution)
    client = client_for()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plain}")
    return client


def referral_body(person, institution) -> dict:
    today = timezone.localdate().isoformat()
    return {
        "id_number": person.id_number,
        "name": person.name,  # a hospital names the person by ID number and name
        "filing_type": "referral",
        "destination": "310000",
        "start_date": today,
        "contact_name": "联系人",
        "contact_phone": "13906001234",
        "consent": True,
        "referring_institution": institution.code,
        "referral_diagnosis": "肺癌",
        "referral_date": today,
    }


def test_a_second_hospital_channel_makes_referrals_and_checks_eligibility(client_for):
    xiamen = InstitutionFactory(code="H35020000009", city_id="350200", level=3)
    client = key_client(client_for, "hospital_zs", "hospital", institution=xiamen)
    person = PersonFactory()
    response = client.post("/api/v1/filings/", referral_body(person, xiamen))
    assert response.status_code == 201, response.content
    assert response.json()["channel"] == "hospital_zs"
    assert response.json()["state"] == "effective"
    query = {"id_number": person.id_number, "city": "310100", "visit": "inpatient"}
    assert client.get("/api/v1/eligibility/", query).json()["covered"] is True


def test_a_channel_named_hospital_outside_the_hospital_group_is_no_hospital(client_for):
    client = key_client(client_for, "hospital_portal", "online")
    person = PersonFactory()
    xiamen = InstitutionFactory(code="H35020000008", city_id="350200", level=3)
    assert client.post("/api/v1/filings/", referral_body(person, xiamen)).status_code == 403
    assert client.get("/api/v1/eligibility/", {"id_number": person.id_number, "city": "310100"}).status_code == 403
    assert not Filing.objects.exists()


def test_a_bad_if_match_from_a_role_that_may_not_act_is_403_not_400(client_for):
    filing = FilingFactory(state="submitted", effective_at=None)
    response = client_for(role="auditor").post(f"/api/v1/filings/{filing.reference}/approve/", {}, HTTP_IF_MATCH="abc")
    assert response.status_code == 403
    response = client_for(role="reviewer").post(f"/api/v1/filings/{filing.reference}/approve/", {}, HTTP_IF_MATCH="abc")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["If-Match"]


def test_a_hospital_key_of_no_institution_files_no_referral(client_for):
    client = key_client(client_for, "hospital_nobody", "hospital")
    xiamen = InstitutionFactory(code="H35020000007", city_id="350200", level=3)
    response = client.post("/api/v1/filings/", referral_body(PersonFactory(), xiamen))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["referring_institution"]
    assert not Filing.objects.exists()


def test_a_hospital_files_referrals_as_itself(client_for):
    mine = InstitutionFactory(code="H35020000006", city_id="350200", level=3)
    other = InstitutionFactory(code="H35020000005", city_id="350200", level=3)
    client = key_client(client_for, "hospital_self", "hospital", institution=mine)
    person = PersonFactory()
    assert client.post("/api/v1/filings/", referral_body(person, other)).status_code == 400
    body = referral_body(person, mine)
    del body["referring_institution"]  # the key says which institution refers
    response = client.post("/api/v1/filings/", body)
    assert response.status_code == 201, response.content
    assert response.json()["referring_institution"] == mine.code
