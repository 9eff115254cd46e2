"""Every admin add form with a malformed value in its address answers a page, never a 500 (issue 24, item 7).

Django passes an add form's query parameters to the form as initial values; the admin policy
(``config.admin_policy.InitialDataChecked``) reads each as its field would and answers 400 to junk.
"""

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client

from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

NOT_A_VALUE = "x"  # of any typed field
TOO_BIG = "9" * 30  # an integer past the database's range, for numbers and keys
ADMINS = sorted(admin.site._registry.items(), key=lambda pair: pair[0]._meta.label)
FREE_TEXT = (models.CharField, models.TextField)


def typed_parameters(model) -> list[tuple[str, str]]:
    """(field, junk) for the add form's fields whose values have a type (dates, numbers, relations, choices…)."""
    names = set()
    for field in model._meta.get_fields():
        concrete = getattr(field, "concrete", False) or field.many_to_many
        if not concrete or field.auto_created and not field.concrete:
            continue
        if isinstance(field, FREE_TEXT) and not field.is_relation and not field.choices:
            continue
        names.add((field.name, NOT_A_VALUE))
        if field.is_relation or isinstance(field, models.IntegerField):
            names.add((field.name, TOO_BIG))
    return sorted(names)


@pytest.fixture
def admin_client():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role="admin"))
    return client


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=[m._meta.label_lower for m, _ in ADMINS])
def test_an_add_form_never_answers_500_to_junk_in_its_address(admin_client, model, model_admin):
    page = f"/admin/{model._meta.app_label}/{model._meta.model_name}/add/"
    answers = {}
    for name, value in typed_parameters(model):
        answers[f"?{name}={value}"] = admin_client.get(page, {name: value}).status_code
    assert {query: code for query, code in answers.items() if code >= 500} == {}


@pytest.mark.parametrize("page", ["/admin/filings/filing/add/", "/admin/reimbursements/claim/add/"])
def test_a_counter_form_for_a_malformed_person_is_a_chinese_400_page(admin_client, page):
    response = admin_client.get(page, {"person": "x"})
    assert response.status_code == 400
    assert "请求" in response.content.decode() or "无效" in response.content.decode()
    person = PersonFactory()
    assert admin_client.get(page, {"person": person.pk}).status_code == 200
