"""Auditors read the reveal log in the admin: who read whose full value, which field, when, why; filtered,
searched by whose number, exported; no other role sees it."""

import csv
import io

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from registry.models import PersonDataAccess
from tests.factories import PersonFactory, UserFactory, staff_token

pytestmark = pytest.mark.django_db
LOG = "/admin/registry/persondataaccess/"


def staff(role: str, **names) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role, **names))
    return client


@pytest.fixture
def reveals(client_for):
    """A clerk reveals a person's ID number and phone, saying why; another person is revealed by nobody."""
    person = PersonFactory(name="张三", phone="13906001234")
    _clerk, token = staff_token("counter", username="chuangkou", last_name="王", first_name="敏")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get(
        f"/api/v1/persons/{person.pk}/", {"reveal": "id_number,phone", "reason": "窗口核验身份 13906001234"}
    )
    assert response.status_code == 200, response.content
    return person, PersonFactory(name="李四")


def test_auditors_read_the_log_with_numbers_masked(reveals):
    person, _other = reveals
    html = staff("auditor").get(LOG).content.decode()
    assert "张三" in html and f"{person.id_number[:6]}********{person.id_number[-4:]}" in html
    assert person.id_number not in html and "13906001234" not in html and "139****1234" in html
    assert html.count("窗口核验身份") == 2  # one row per field revealed


@pytest.mark.parametrize(
    ("params", "rows"),
    [({"field__exact": "phone"}, 1), ({"field__exact": "id_number"}, 1), ({"at__gte": "2000-01-01T00:00:00+08:00"}, 2)],
    ids=["phone", "id_number", "period"],
)
def test_the_log_filters_by_field_and_period(reveals, params, rows):
    html = staff("auditor").get(LOG, params).content.decode()
    assert html.count("窗口核验身份") == rows


def test_the_log_searches_by_whose_whole_number(reveals):
    person, other = reveals
    auditor = staff("auditor")
    assert "张三" in auditor.get(LOG, {"q": person.id_number}).content.decode()
    assert "窗口核验身份" not in auditor.get(LOG, {"q": other.id_number}).content.decode()


def test_the_log_exports_as_csv_masked(reveals):
    person, _other = reveals
    response = staff("auditor").get(LOG + "export/")
    body = b"".join(response.streaming_content).decode()[1:]
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 3 and {row[4] for row in rows[1:]} == {"身份证号码", "联系电话"}
    assert {row[rows[0].index("field")] for row in rows[1:]} == {"id_number", "phone"}  # the codes, for machines
    assert {row[1] for row in rows[1:]} == {"王敏（窗口经办）"}
    assert {row[rows[0].index("actor_label")] for row in rows[1:]} == {"staff:chuangkou"}
    assert person.id_number not in body and "13906001234" not in body


def test_the_log_names_who_revealed_which_field(reveals):
    """Who revealed as 姓名（角色） and the field by its label, on the list and in its filter; no stored codes."""
    html = staff("auditor").get(LOG).content.decode()
    assert "王敏（窗口经办）" in html and "身份证号码" in html and "联系电话" in html
    assert "staff:chuangkou" not in html and ">id_number<" not in html and ">chuangkou<" not in html
    clerk = User.objects.get(username="chuangkou")
    assert html.count("窗口核验身份") == 2
    mine = staff("auditor").get(LOG, {"user": clerk.pk}).content.decode()
    assert mine.count("窗口核验身份") == 2
    assert (
        staff("auditor").get(LOG, {"user": UserFactory(role="counter").pk}).content.decode().count("窗口核验身份") == 0
    )


@pytest.mark.parametrize("role", ["counter", "reviewer"])
def test_no_desk_role_reads_the_log(reveals, role):
    assert staff(role).get(LOG).status_code == 403


def test_the_api_reveal_names_a_purpose(client_for):
    person = PersonFactory(phone="13906001234")
    counter = client_for(role="counter")
    url = f"/api/v1/persons/{person.pk}/"
    listed = counter.get(url, {"reveal": "phone", "purpose": "phone_enquiry"})
    assert listed.status_code == 200 and listed.json()["phone"] == "13906001234"
    unknown = counter.get(url, {"reveal": "phone", "purpose": "curiosity", "reason": "随便看看啊"})
    assert unknown.status_code == 400 and "purpose" in unknown.json()["errors"]
    short = counter.get(url, {"reveal": "phone", "purpose": "other", "reason": "看看"})
    assert short.status_code == 400 and "reason" in short.json()["errors"]
    assert list(PersonDataAccess.objects.values_list("purpose", flat=True)) == ["phone_enquiry"]


def test_a_purpose_without_a_reveal_is_refused_naming_the_fields(client_for):
    person = PersonFactory()
    _clerk, token = staff_token("counter", username="chuangkou", last_name="王", first_name="敏")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get(f"/api/v1/persons/{person.pk}/", {"purpose": "AAA"})
    assert response.status_code == 400 and {"reveal", "purpose"} <= set(response.json()["errors"])
    assert not PersonDataAccess.objects.exists()
