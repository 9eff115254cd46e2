"""Every eligibility answer is recorded — who asked, a keyed hash of the number (never the number), the
person it belonged to, the place, day, visit and outcome — in an append-only table; auditors find who asked
about a person by typing the number in the admin; each API key has a total rate of questions."""

import csv
import datetime
import io
import re

import pytest
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from audit.digests import id_number_digest
from audit.models import EligibilityQuestion
from audit.selectors import eligibility_questions_about
from config.limits import CallerQuota, EligibilityQuota
from tests.factories import (
    FilingFactory,
    InstitutionFactory,
    PersonFactory,
    UserFactory,
    channel_key,
    referring_hospital,
    valid_id_number,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/eligibility/"
ADMIN = "/admin/audit/eligibilityquestion/"
SHANGHAI = {"city": "310100", "visit": "inpatient"}
X_NUMBER = "11010519491231002X"  # a valid number ending in X
NOBODY = valid_id_number(900_123)
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９ｘ")


def key_client(institution) -> tuple[APIClient, str]:
    """A hospital key of ``institution``: its client and the key's public prefix."""
    plain = channel_key("hospital", institution=institution)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plain}")
    return client, plain.partition(".")[0]


def staff(role: str) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


def ask(client, id_number, **params):
    response = client.get(URL, {**SHANGHAI, "id_number": id_number, **params})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def covered():
    """A person with an effective filing for Shanghai (covered there today); their number ends in X."""
    person = PersonFactory(id_number=X_NUMBER, name="王小明")
    FilingFactory(person=person)
    return person


def test_every_answer_writes_one_row_with_the_hash_not_the_number(covered):
    hospital, prefix = key_client(referring_hospital())
    assert ask(hospital, covered.id_number, date="2026-06-15")["reason_code"] in ("filed", "no_filing")
    assert ask(hospital, NOBODY)["reason_code"] == "not_insured_here"
    about_person, about_nobody = EligibilityQuestion.objects.order_by("id")
    assert EligibilityQuestion.objects.count() == 2
    assert about_person.institution_id == referring_hospital().code
    assert about_person.caller == "channel:hospital" and about_person.key_prefix == prefix
    assert about_person.person_id == covered.pk and about_nobody.person_id is None
    assert about_person.id_number_digest == id_number_digest(covered.id_number)
    assert len(about_person.id_number_digest) == 64
    assert about_person.city_id == "310100" and about_person.visit == "inpatient"
    assert about_person.treatment_date == datetime.date(2026, 6, 15)
    assert (about_nobody.covered, about_nobody.reason_code) == (False, "not_insured_here")
    assert about_person.at.tzinfo is not None
    # The number, in any spelling, is in no column of any row: read the table as the database holds it.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {EligibilityQuestion._meta.db_table}")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    for number in (covered.id_number, NOBODY):
        assert number not in stored and number.lower() not in stored and number[:17] not in stored


def test_the_answer_itself_is_recorded(covered):
    hospital, _prefix = key_client(referring_hospital())
    answer = ask(hospital, covered.id_number)
    question = EligibilityQuestion.objects.get()
    assert (question.covered, question.reason_code) == (answer["covered"], answer["reason_code"])
    assert question.treatment_date == timezone.localdate()


def test_staff_questions_are_recorded_without_an_institution(counter, covered):
    ask(counter, covered.id_number)
    question = EligibilityQuestion.objects.get()
    assert question.institution_id is None and question.key_prefix == ""
    assert question.caller.startswith("staff:")


def test_a_refused_question_records_nothing(covered):
    hospital, _prefix = key_client(referring_hospital())
    assert hospital.get(URL, {**SHANGHAI, "city": "999999", "id_number": covered.id_number}).status_code == 400
    keyless = APIClient()
    keyless.credentials(HTTP_AUTHORIZATION=f"Api-Key {channel_key('hospital')}")
    assert keyless.get(URL, {**SHANGHAI, "id_number": covered.id_number}).status_code == 403
    assert not EligibilityQuestion.objects.exists()


def test_the_record_is_one_statement_more(settings, covered):
    hospital, _prefix = key_client(referring_hospital())
    params = {**SHANGHAI, "id_number": covered.id_number}
    hospital.get(URL, params)  # the key is verified (then kept in memory), as on every later question

    def statements() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert hospital.get(URL, params).status_code == 200
        return [query["sql"] for query in queries]

    settings.ELIGIBILITY_RECORD = False
    without = statements()
    settings.ELIGIBILITY_RECORD = True
    with_record = statements()
    assert len(with_record) == len(without) + 1, with_record
    assert with_record[-1].startswith(f'INSERT INTO "{EligibilityQuestion._meta.db_table}"')


def test_the_record_is_append_only_in_the_database(covered):
    hospital, _prefix = key_client(referring_hospital())
    ask(hospital, covered.id_number)
    with pytest.raises(DatabaseError), transaction.atomic():
        EligibilityQuestion.objects.update(covered=False, reason_code="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        EligibilityQuestion.objects.all().delete()
    assert EligibilityQuestion.objects.get().reason_code != "rewritten"


# --- the auditors' page ---------------------------------------------------------------------------------


@pytest.fixture
def asked(covered):
    """Two hospitals asked about the covered person; one of them about somebody else and about nobody."""
    first = referring_hospital()
    second = InstitutionFactory(name="上海测试医院")
    first_client, _prefix = key_client(first)
    second_client, _prefix = key_client(second)
    other = PersonFactory(name="李四")
    ask(first_client, covered.id_number)
    ask(second_client, covered.id_number, visit="emergency")
    ask(first_client, other.id_number)
    ask(first_client, NOBODY)
    return covered, other


@pytest.mark.parametrize(
    "typed",
    [
        X_NUMBER,
        X_NUMBER.lower(),
        f"{X_NUMBER[:6]} {X_NUMBER[6:14]} {X_NUMBER[14:].lower()}",
        X_NUMBER.translate(FULL_WIDTH),
        f" {X_NUMBER[:6]}-{X_NUMBER[6:]} ",
    ],
    ids=["plain", "lower-x", "spaces", "full-width", "dash"],
)
def test_auditors_find_who_asked_about_a_person_by_typing_the_number(asked, typed):
    person, other = asked
    response = staff("auditor").get(ADMIN, {"q": typed})
    html = response.content.decode()
    assert response.context["cl"].result_count == 2
    assert "厦门测试医院（三级）" in html and "上海测试医院" in html
    assert person.name in html and other.name not in html
    assert id_number_digest(person.id_number) not in html
    # The number typed stays in the search box and the page's links (the auditor's own input); the rows
    # show it masked.
    rows = re.sub(r'href="[^"]*"', "", html[html.index("<tbody>") : html.index("</tbody>")])
    assert person.id_number not in rows and f"{person.id_number[:6]}********{person.id_number[-4:]}" in rows


def test_the_list_shows_who_when_where_and_the_answer_never_the_number_or_hash(asked):
    person, other = asked
    html = staff("auditor").get(ADMIN).content.decode()
    for shown in ("厦门测试医院（三级）", "上海测试医院", "定点医疗机构", "310100", person.name, other.name):
        assert shown in html, shown
    assert f"{person.id_number[:6]}********{person.id_number[-4:]}" in html
    for question in EligibilityQuestion.objects.all():
        assert question.id_number_digest not in html
    assert person.id_number not in html and NOBODY not in html


def test_a_row_page_shows_no_hash(asked):
    question = EligibilityQuestion.objects.filter(person__isnull=False).first()
    response = staff("auditor").get(f"{ADMIN}{question.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert question.id_number_digest not in html and question.person.id_number not in html


def test_a_search_for_less_than_a_whole_number_finds_nothing(asked):
    person, _other = asked
    html = staff("auditor").get(ADMIN, {"q": person.id_number[:10]}).content.decode()
    assert person.name not in html


@pytest.mark.parametrize(
    ("params", "rows"),
    [
        ({"institution": "H35020000001"}, 3),
        ({"covered__exact": "0"}, None),
        ({"reason": "not_insured_here"}, 1),
        ({"visit__exact": "emergency"}, 1),
        ({"at__gte": "2000-01-01T00:00:00+08:00"}, 4),
        ({"at__gte": "2099-01-01T00:00:00+08:00"}, 0),
    ],
    ids=["institution", "not-covered", "reason", "visit", "period", "future"],
)
def test_the_list_filters_by_institution_period_and_outcome(asked, params, rows):
    response = staff("auditor").get(ADMIN, params)
    assert response.status_code == 200
    expected = rows if rows is not None else EligibilityQuestion.objects.filter(covered=False).count()
    assert response.context["cl"].result_count == expected


def test_the_person_link_lists_the_questions_about_them_even_before_they_were_registered(asked):
    person, _other = asked
    later = valid_id_number(900_456)
    hospital, _prefix = key_client(referring_hospital())
    ask(hospital, later)  # nobody's number yet
    newcomer = PersonFactory(id_number=later)
    ask(hospital, later)
    assert eligibility_questions_about(newcomer).count() == 2
    assert eligibility_questions_about(person).count() == 2
    response = staff("auditor").get(ADMIN, {"person": newcomer.pk})
    assert response.status_code == 200 and response.context["cl"].result_count == 2


def test_auditors_export_the_list_as_csv_without_numbers_or_hashes(asked):
    person, _other = asked
    response = staff("auditor").get(ADMIN + "export/")
    body = b"".join(response.streaming_content).decode()[1:]
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 5
    assert person.id_number not in body and id_number_digest(person.id_number) not in body
    # Names for people, codes in their own columns for machines.
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert {"caller", "reason_code", "covered"} <= set(header)
    assert first["查询方"] == "定点医疗机构" and first["caller"] == "channel:hospital"
    assert first["可直接结算"] in ("是", "否") and first["covered"] in ("True", "False")
    assert first["原因"] and first["原因"] != first["reason_code"]


@pytest.mark.parametrize("role", ["counter", "reviewer"])
def test_no_desk_role_reads_the_record(asked, role):
    client = staff(role)
    assert client.get(ADMIN).status_code == 403
    assert client.get(ADMIN + "export/").status_code == 403


def test_nobody_adds_changes_or_deletes_a_row(asked):
    admin_user = staff("admin")
    question = EligibilityQuestion.objects.first()
    assert admin_user.get(ADMIN).status_code == 200
    assert admin_user.get(ADMIN + "add/").status_code == 403
    assert admin_user.post(f"{ADMIN}{question.pk}/delete/", {"post": "yes"}).status_code == 403
    assert EligibilityQuestion.objects.count() == 4


# --- the total rate of questions per key ----------------------------------------------------------------

LIMIT = 3


@pytest.fixture
def limited(settings, monkeypatch):
    cache.clear()
    current = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {
        **current,
        "DEFAULT_THROTTLE_RATES": {**current["DEFAULT_THROTTLE_RATES"], "eligibility": f"{LIMIT}/hour"},
    }
    # Mid-window (an hour starts every 3,600 s of the epoch): the test cannot straddle two windows.
    monkeypatch.setattr(CallerQuota, "clock", staticmethod(lambda: 1_800_000_000.0 + 1_000))
    yield
    cache.clear()


def test_a_key_past_its_rate_is_answered_429_and_another_key_is_not(limited, covered):
    first, _prefix = key_client(referring_hospital())
    second, _prefix = key_client(referring_hospital())  # the same hospital's other key counts apart
    for _ in range(LIMIT):
        ask(first, covered.id_number)
    refused = first.get(URL, {**SHANGHAI, "id_number": covered.id_number})
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled" and set(refused.json()) == {"code", "message", "errors"}
    assert 1 <= int(refused["Retry-After"]) <= 3600 - 1_000 + 1
    assert ask(second, covered.id_number)["reason_code"]
    assert EligibilityQuestion.objects.count() == LIMIT + 1  # a refused question is no answer


def test_the_rate_counts_every_question_of_the_key_not_only_misses(limited, covered):
    hospital, _prefix = key_client(referring_hospital())
    for _ in range(LIMIT):
        ask(hospital, covered.id_number)  # hits, each time
    assert hospital.get(URL, {**SHANGHAI, "id_number": covered.id_number}).status_code == 429


class FakeRequest:
    def __init__(self, prefix: str):
        self.auth = type("Key", (), {"prefix": prefix})()
        self.user = None


def test_workers_counting_in_steps_pass_the_limit_by_less_than_a_step_each(settings, monkeypatch):
    """At 2,000/hour each worker adds its count to the shared cache every 20 questions."""
    cache.clear()
    current = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {
        **current,
        "DEFAULT_THROTTLE_RATES": {**current["DEFAULT_THROTTLE_RATES"], "eligibility": "2000/hour"},
    }
    monkeypatch.setattr(CallerQuota, "clock", staticmethod(lambda: 1_800_000_000.0 + 1_000))

    class OtherWorker(EligibilityQuota):
        _counts = {}  # another process's memory

    request = FakeRequest("stepkey1")
    workers = [EligibilityQuota(), OtherWorker()]
    allowed = sum(workers[i % 2].allow_request(request, None) for i in range(2200))
    assert 2000 <= allowed < 2000 + 2 * 20
    assert not workers[0].allow_request(request, None) and not workers[1].allow_request(request, None)
    assert EligibilityQuota().allow_request(FakeRequest("stepkey2"), None)  # another key, untouched


def test_the_schema_documents_the_rate_limit():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    throttled = schema["paths"]["/api/v1/eligibility/"]["get"]["responses"]["429"]
    assert "ELIGIBILITY_RATE" in throttled["description"] and "Retry-After" in throttled["headers"]


@pytest.mark.parametrize(
    ("role", "linked"), [("auditor", True), ("admin", True), ("counter", False), ("reviewer", False)]
)
def test_the_person_page_links_the_questions_about_them_for_those_who_may_read_them(asked, role, linked):
    person, _other = asked
    client = staff(role)
    page = client.get(f"/admin/registry/person/{person.pk}/change/")
    assert page.status_code == 200
    link = f'href="{ADMIN}?person={person.pk}" class="questions-link"'
    assert (link in page.content.decode()) is linked
    if linked:
        assert "就医资格核验记录" in page.content.decode()
        listed = client.get(ADMIN, {"person": person.pk})
        assert listed.status_code == 200 and listed.context["cl"].result_count == 2
