"""Personal data (SPEC §6, PIPL): full ID numbers and phones only for their owner or after a logged reveal.

One table of endpoints × roles: every answer carrying a person's ID number or phone shows it in
full to that person and masked to every member of staff; no staff answer holds any full 18-digit ID
number at all. Then the reveal: one access record per field, listed for auditors, and nothing
written when it is refused.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from accounts.choices import Role
from filings.models import Filing
from registry.models import PersonDataAccess
from tests.factories import (
    ClaimFactory,
    FilingFactory,
    FilingRequestFactory,
    PersonFactory,
    UserFactory,
    filing_attach_required_documents,
    staff_token,
    valid_id_number,
)

pytestmark = pytest.mark.django_db

FULL_ID = re.compile(rb"\d{17}[\dX]")
PHONE, PHONE_MASKED = "13912345678", "139****5678"  # the person's own phone
CONTACT, CONTACT_MASKED = "13700001111", "137****1111"  # the filing's contact phone
NEW_CONTACT, NEW_CONTACT_MASKED = "13800005678", "138****5678"  # a corrected contact phone
PROXY_ID, PROXY_ID_MASKED = "11010519491231002X", "110105********002X"  # the proxy who filed at the counter
OTHER_PHONE = "13655556666"
NEW_ID = valid_id_number(777_001)  # a person staff create
ROLES = ["owner", Role.COUNTER, Role.REVIEWER, Role.AUDITOR, Role.ADMIN]
STAFF = [Role.COUNTER, Role.REVIEWER, Role.AUDITOR, Role.ADMIN]


def masked_id(value: str) -> str:
    return value[:6] + "********" + value[-4:]


def content_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@dataclass
class World:
    owner: object
    other: object
    filing: str | None  # reference of the owner's filing
    claim: object


def filing_body(**overrides) -> dict:
    return FilingRequestFactory(**{"contact_name": "王五", "contact_phone": CONTACT, **overrides})


@pytest.fixture
def make_world(client_for):
    """The owner (a person with a phone), another person with a filing, the owner's claim and a reveal.

    ``filing``: "effective" (filed at the counter by a proxy: its events hold the contact phone and the
    proxy's ID number), "pending" (fast-track, filed by the owner, ready for a decision) or None.
    """

    def make(filing: str | None = "effective") -> World:
        owner = PersonFactory(name="王五", phone=PHONE)
        other = PersonFactory(name="赵六", phone=OTHER_PHONE)
        FilingFactory(person=other, contact_phone=OTHER_PHONE)
        reference = None
        if filing == "effective":
            body = filing_body(id_number=owner.id_number, proxy_name="李四", proxy_id_number=PROXY_ID)
            response = client_for(role=Role.COUNTER).post("/api/v1/filings/", {**body, "proxy_authorization": True})
            assert response.status_code == 201, response.content
            reference = response.json()["reference"]
        elif filing == "pending":
            body = filing_body(filing_type="long_term_resident", mode="fast_track", proof_basis="documents")
            response = client_for(person=owner).post("/api/v1/filings/", body)
            assert response.status_code == 201, response.content
            reference = response.json()["reference"]
            filing_attach_required_documents(Filing.objects.get(reference=reference))
        claim = ClaimFactory(person=owner)
        PersonDataAccess.objects.create(
            user=UserFactory(role=Role.COUNTER),
            actor_label="staff:earlier",
            person=owner,
            field="id_number",
            reason="核对",
        )
        return World(owner=owner, other=other, filing=reference, claim=claim)

    return make


@dataclass
class Case:
    call: Callable  # (client, world, role) -> response
    allowed: dict  # role -> status; every other role: 403
    sensitive: Callable = lambda w: []  # (world) -> [(full value, masked value)] the answer carries
    world: str | None = "effective"


def owner_id(w):
    return (w.owner.id_number, masked_id(w.owner.id_number))


READERS = {role: 200 for role in ROLES}
AUDITORS = {Role.AUDITOR: 200, Role.ADMIN: 200}

CASES = {
    "persons list": Case(
        lambda c, w, r: c.get("/api/v1/persons/"), READERS, lambda w: [owner_id(w), (PHONE, PHONE_MASKED)]
    ),
    "person detail": Case(
        lambda c, w, r: c.get(f"/api/v1/persons/{w.owner.pk}/"), READERS, lambda w: [owner_id(w), (PHONE, PHONE_MASKED)]
    ),
    "person create answer": Case(
        lambda c, w, r: c.post(
            "/api/v1/persons/",
            {"id_number": NEW_ID, "name": "新参保人", "insurance_type": "employee", "phone": "13611112222"},
        ),
        {Role.COUNTER: 201, Role.ADMIN: 201},
        lambda w: [(NEW_ID, masked_id(NEW_ID)), ("13611112222", "136****2222")],
    ),
    "person update answer": Case(
        lambda c, w, r: c.patch(f"/api/v1/persons/{w.owner.pk}/", {"social_security_card": "D35020012345"}),
        {Role.COUNTER: 200, Role.ADMIN: 200},
        lambda w: [owner_id(w), (PHONE, PHONE_MASKED)],
    ),
    "filings list": Case(
        lambda c, w, r: c.get("/api/v1/filings/"), READERS, lambda w: [owner_id(w), (CONTACT, CONTACT_MASKED)]
    ),
    "filing detail": Case(
        lambda c, w, r: c.get(f"/api/v1/filings/{w.filing}/"),
        READERS,
        lambda w: [owner_id(w), (CONTACT, CONTACT_MASKED)],
    ),
    "filing events": Case(
        lambda c, w, r: c.get(f"/api/v1/filings/{w.filing}/events/"),
        READERS,
        lambda w: [(CONTACT, CONTACT_MASKED), (PROXY_ID, PROXY_ID_MASKED)],
    ),
    "filing create answer": Case(
        lambda c, w, r: c.post(
            "/api/v1/filings/", filing_body() if r == "owner" else filing_body(id_number=w.owner.id_number)
        ),
        {"owner": 201, Role.COUNTER: 201, Role.ADMIN: 201},
        lambda w: [owner_id(w), (CONTACT, CONTACT_MASKED)],
        world=None,
    ),
    "filing change answer": Case(
        lambda c, w, r: c.post(f"/api/v1/filings/{w.filing}/change/", {"contact_phone": NEW_CONTACT}),
        {"owner": 201, Role.COUNTER: 201, Role.ADMIN: 201},
        lambda w: [owner_id(w), (NEW_CONTACT, NEW_CONTACT_MASKED)],
    ),
    "filing contact correction answer": Case(
        lambda c, w, r: c.post(f"/api/v1/filings/{w.filing}/contact/", {"contact_phone": NEW_CONTACT}),
        {"owner": 200, Role.COUNTER: 200, Role.ADMIN: 200},
        lambda w: [owner_id(w), (NEW_CONTACT, NEW_CONTACT_MASKED)],
    ),
    "filing approve answer": Case(
        lambda c, w, r: c.post(f"/api/v1/filings/{w.filing}/approve/"),
        {Role.REVIEWER: 200, Role.ADMIN: 200},
        lambda w: [owner_id(w), (CONTACT, CONTACT_MASKED)],
        world="pending",
    ),
    "claims list": Case(lambda c, w, r: c.get("/api/v1/claims/"), READERS),
    "claim detail": Case(lambda c, w, r: c.get(f"/api/v1/claims/{w.claim.reference}/"), READERS),
    "claim events": Case(lambda c, w, r: c.get(f"/api/v1/claims/{w.claim.reference}/events/"), READERS),
    "audit feed": Case(
        lambda c, w, r: c.get("/api/v1/audit/events/"),
        AUDITORS,
        lambda w: [owner_id(w), (CONTACT, CONTACT_MASKED), (PROXY_ID, PROXY_ID_MASKED)],
    ),
    "audit feed CSV": Case(
        lambda c, w, r: c.get("/api/v1/audit/events/", {"format": "csv"}),
        AUDITORS,
        lambda w: [owner_id(w), (CONTACT, CONTACT_MASKED), (PROXY_ID, PROXY_ID_MASKED)],
    ),
    "audit access list": Case(lambda c, w, r: c.get("/api/v1/audit/access/"), AUDITORS, lambda w: [owner_id(w)]),
}


def matrix():
    for name in CASES:
        for role in ROLES:
            yield pytest.param(name, role, id=f"{name}-{role}")


@pytest.mark.parametrize("name, role", list(matrix()))
def test_personal_data_is_full_only_for_its_owner(client_for, make_world, name, role):
    case = CASES[name]
    world = make_world(case.world)
    client = client_for(person=world.owner) if role == "owner" else client_for(role=role)
    response = case.call(client, world, role)
    expected = case.allowed.get(role, 403)
    assert response.status_code == expected, content_of(response)[:500]
    content = content_of(response)
    text = content.decode("utf-8")
    if role == "owner":
        assert world.other.id_number not in text and OTHER_PHONE not in text  # a person reads only their own
        assert set(FULL_ID.findall(content)) <= {world.owner.id_number.encode(), PROXY_ID.encode()}
        if expected < 400:
            for full, _masked in case.sensitive(world):
                assert full in text, f"the owner should read {full} in full"
        return
    # Staff: no full ID number of anybody, anywhere in the answer; phones masked too.
    assert not FULL_ID.findall(content), FULL_ID.findall(content)
    assert PHONE not in text and OTHER_PHONE not in text
    if expected < 400:
        for full, shown in case.sensitive(world):
            assert full not in text
            assert shown in text, f"{shown} missing from the answer"


def test_staff_lists_mask_every_person_not_only_the_one_asked_for(client_for, make_world):
    world = make_world()
    rows = client_for(role=Role.AUDITOR).get("/api/v1/persons/").json()["results"]
    shown = {row["id"]: (row["id_number"], row["phone"]) for row in rows}
    assert shown[world.owner.pk] == (masked_id(world.owner.id_number), PHONE_MASKED)
    assert shown[world.other.pk] == (masked_id(world.other.id_number), "136****6666")


def test_filters_by_full_id_number_still_answer_masked(client_for, make_world):
    world = make_world()
    client = client_for(role=Role.COUNTER)
    for path in ("/api/v1/persons/", "/api/v1/filings/"):
        response = client.get(path, {"id_number": world.owner.id_number})
        assert response.status_code == 200
        assert response.json()["count"] == 1
        assert not FULL_ID.findall(response.content)


# --- reveal -------------------------------------------------------------------------------------------------------


def staff_client(role: str) -> tuple[object, APIClient]:
    user, token = staff_token(role)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return user, client


def reveal(client, person, **params):
    return client.get(f"/api/v1/persons/{person.pk}/", params)


@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize("fields", ["id_number", "phone", "id_number,phone", "phone,id_number,phone"])
def test_a_reveal_shows_the_fields_and_writes_one_access_record_each(role, fields):
    person = PersonFactory(phone=PHONE)
    user, client = staff_client(role)
    response = reveal(client, person, reveal=fields, reason="核对身份：窗口办理")
    assert response.status_code == 200, response.content
    asked = set(fields.split(","))
    data = response.json()
    assert data["id_number"] == (person.id_number if "id_number" in asked else masked_id(person.id_number))
    assert data["phone"] == (PHONE if "phone" in asked else PHONE_MASKED)
    records = PersonDataAccess.objects.order_by("field")
    assert [(r.user_id, r.actor_label, r.person_id, r.field, r.reason) for r in records] == [
        (user.pk, f"staff:{user.username}", person.pk, name, "核对身份：窗口办理") for name in sorted(asked)
    ]
    # The next read without reveal is masked again and writes nothing.
    again = client.get(f"/api/v1/persons/{person.pk}/").json()
    assert (again["id_number"], again["phone"]) == (masked_id(person.id_number), PHONE_MASKED)
    assert PersonDataAccess.objects.count() == len(asked)


def test_the_reason_is_recorded_as_given_after_trimming():
    person = PersonFactory()
    _user, client = staff_client(Role.REVIEWER)
    assert reveal(client, person, reveal="id_number", reason="  审核材料需核对证件号  ").status_code == 200
    assert PersonDataAccess.objects.get().reason == "审核材料需核对证件号"


def test_auditors_list_the_reveals_newest_first(client_for):
    person = PersonFactory(phone=PHONE)
    user, counter = staff_client(Role.COUNTER)
    assert reveal(counter, person, reveal="id_number", reason="核对身份").status_code == 200
    assert reveal(counter, person, reveal="phone", reason="联系本人").status_code == 200
    auditor = client_for(role=Role.AUDITOR)
    response = auditor.get("/api/v1/audit/access/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    rows = [{k: v for k, v in row.items() if k not in ("id", "at")} for row in body["results"]]
    common = {
        "actor": f"staff:{user.username}",
        "person": person.pk,
        "id_number": masked_id(person.id_number),
        "record": "",
        "purpose": "other",
    }
    assert rows == [
        {**common, "field": "phone", "reason": "联系本人"},
        {**common, "field": "id_number", "reason": "核对身份"},
    ]
    assert body["results"][0]["at"] >= body["results"][1]["at"]
    assert not FULL_ID.findall(response.content)
    # Reading the list reveals nothing and records nothing.
    assert PersonDataAccess.objects.count() == 2


@pytest.mark.parametrize("role", [Role.COUNTER, Role.REVIEWER])
def test_only_auditors_list_the_reveals(client_for, role):
    assert client_for(role=role).get("/api/v1/audit/access/").status_code == 403


def test_a_person_reads_their_own_values_without_revealing(client_for):
    person = PersonFactory(phone=PHONE)
    data = client_for(person=person).get(f"/api/v1/persons/{person.pk}/").json()
    assert (data["id_number"], data["phone"]) == (person.id_number, PHONE)
    assert not PersonDataAccess.objects.exists()


def test_the_list_ignores_reveal_and_records_nothing(counter):
    PersonFactory(phone=PHONE)
    response = counter.get("/api/v1/persons/", {"reveal": "id_number", "reason": "想看"})
    assert response.status_code == 200
    assert not FULL_ID.findall(response.content) and PHONE.encode() not in response.content
    assert not PersonDataAccess.objects.exists()


REFUSALS = {
    "no reason": ("counter", {"reveal": "id_number"}, 400, "reason"),
    "blank reason": ("counter", {"reveal": "id_number", "reason": "   "}, 400, "reason"),
    "unknown field": ("counter", {"reveal": "bank_account", "reason": "核对"}, 400, "reveal"),
    "a known and an unknown field": ("counter", {"reveal": "id_number,name", "reason": "核对"}, 400, "reveal"),
    "empty reveal": ("counter", {"reveal": "", "reason": "核对"}, 400, "reveal"),
    "reason too long": ("counter", {"reveal": "id_number", "reason": "很" * 501}, 400, "reason"),
    "person session": ("owner", {"reveal": "id_number", "reason": "我自己"}, 403, None),
    "person session revealing the phone": ("owner", {"reveal": "phone", "reason": "我自己"}, 403, None),
    "person session, someone else": ("owner-other", {"reveal": "id_number", "reason": "好奇"}, 404, None),
    "channel key": ("channel", {"reveal": "id_number", "reason": "核对"}, 403, None),
    "hospital key": ("hospital", {"reveal": "id_number", "reason": "核对"}, 403, None),
    "anonymous": ("anonymous", {"reveal": "id_number", "reason": "核对"}, 401, None),
    "nobody of that id": ("counter-missing", {"reveal": "id_number", "reason": "核对"}, 404, None),
}


@pytest.mark.parametrize("who, params, status, field", REFUSALS.values(), ids=REFUSALS.keys())
def test_a_refused_reveal_writes_nothing_and_shows_nothing(client_for, hospital, who, params, status, field):
    person, other = PersonFactory(phone=PHONE), PersonFactory()
    client = {
        "counter": lambda: client_for(role=Role.COUNTER),
        "counter-missing": lambda: client_for(role=Role.COUNTER),
        "owner": lambda: client_for(person=person),
        "owner-other": lambda: client_for(person=other),
        "channel": lambda: client_for(channel="xm_wechat"),
        "hospital": lambda: hospital,
        "anonymous": lambda: APIClient(),
    }[who]()
    pk = person.pk + 1000 if who == "counter-missing" else person.pk
    response = client.get(f"/api/v1/persons/{pk}/", params)
    assert response.status_code == status, response.content
    if field:
        assert field in response.json()["errors"]
    assert person.id_number.encode() not in response.content and PHONE.encode() not in response.content
    assert not PersonDataAccess.objects.exists()


@pytest.mark.parametrize("params", [{"reveal": "id_number"}, {"reveal": "bogus"}], ids=["no reason", "unknown field"])
def test_a_person_session_passing_reveal_is_refused_403_whatever_else_it_sends(client_for, params):
    person = PersonFactory()
    response = client_for(person=person).get(f"/api/v1/persons/{person.pk}/", params)
    assert response.status_code == 403, response.content
    assert not PersonDataAccess.objects.exists()


# --- logs ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_for",
    [
        pytest.param(
            lambda c, p: c.get("/api/v1/audit/events/", {"id_number": p.id_number, "action": "bogus"}), id="feed filter"
        ),
        pytest.param(lambda c, p: c.get(f"/api/v1/persons/{p.pk}/", {"reveal": "id_number"}), id="reveal refused"),
        pytest.param(
            lambda c, p: c.get(f"/api/v1/audit/persons/{p.id_number}/as-of/", {"at": "yesterday"}),
            id="as-of with a bad instant",
        ),
    ],
)
def test_logs_never_hold_a_full_id_number(auditor, caplog, request_for):
    person = PersonFactory()
    with caplog.at_level("DEBUG"):
        response = request_for(auditor, person)
    assert response.status_code == 400
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert person.id_number not in logged
