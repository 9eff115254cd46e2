"""Errors reach people in words: no database constraint name on any page, names instead of codes."""

import pytest
from django.apps import apps
from django.db.models import CheckConstraint, UniqueConstraint
from django.test import Client

from accounts.choices import Role
from filings.models import FilingPolicy
from reimbursements.models import BenefitPolicy
from tests.factories import ClaimFactory, UserFactory

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"registry", "accounts", "filings", "reimbursements", "audit", "notifications"}


def constraints():
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for constraint in model._meta.constraints:
            # A unique constraint over plain fields is reported by Django under its fields, in words.
            if isinstance(constraint, CheckConstraint) or (
                isinstance(constraint, UniqueConstraint)
                and (constraint.condition is not None or constraint.expressions)
            ):
                yield model, constraint


CONSTRAINT_NAMES = sorted({constraint.name for _model, constraint in constraints()})


@pytest.mark.parametrize("model, constraint", list(constraints()), ids=lambda v: getattr(v, "name", None) or "")
def test_every_constraint_says_what_is_wrong_in_words(model, constraint):
    message = constraint.violation_error_message
    assert message and message != constraint.default_violation_error_message, f"{model.__name__}.{constraint.name}"
    assert constraint.name not in str(message)


def admin_client(role=Role.ADMIN) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


def assert_no_constraint_name(html: str) -> None:
    leaked = [name for name in CONSTRAINT_NAMES if name in html]
    assert not leaked, leaked


def test_a_policy_row_breaking_a_rule_is_refused_in_words():
    client = admin_client()
    response = client.post(
        "/admin/filings/filingpolicy/add/",
        {
            "effective_from": "2030-01-01",
            "temporary_validity_months": "3",
            "long_term_min_holding_months": "0",
            "fast_track_review_working_days": "3",
            "commitment_due_months": "6",
            "retroactive_limit_months": "12",
            "advance_limit_months": "3",
            "emergency_max_days": "30",
        },
    )
    assert response.status_code == 200 and not FilingPolicy.objects.filter(effective_from="2030-01-01").exists()
    html = response.content.decode()
    assert "临时外出就医备案有效期不少于 6 个月" in html
    assert_no_constraint_name(html)


def test_a_benefit_ratio_above_one_is_refused_in_words():
    client = admin_client()
    response = client.post(
        "/admin/reimbursements/benefitpolicy/add/",
        {
            "insurance_type": "employee",
            "visit_kind": "inpatient",
            "institution_level": "3",
            "deductible": "800",
            "ratio": "150",
            "annual_cap": "500000",
            "effective_from": "2030-01-01",
        },
    )
    assert response.status_code == 200 and not BenefitPolicy.objects.filter(effective_from="2030-01-01").exists()
    assert_no_constraint_name(response.content.decode())


def test_rejecting_a_checklist_item_without_a_reason_is_said_in_words():
    claim = ClaimFactory()
    material = claim.materials.first()
    client = admin_client(Role.COUNTER)
    panel = f"/admin/reimbursements/claim/{claim.pk}/materials/{material.item}/"
    client.post(panel, {"status": "received"})
    response = client.post(panel, {"status": "rejected", "reason": ""}, follow=True)
    html = response.content.decode()
    material.refresh_from_db()
    assert material.status == "received"
    assert "请说明" in html or "退回" in html or "原因" in html
    assert_no_constraint_name(html)


def test_a_refusal_names_the_missing_materials_not_their_codes():
    claim = ClaimFactory()
    required = list(claim.materials.filter(required=True))
    response = admin_client(Role.REVIEWER).post(f"/admin/reimbursements/claim/{claim.pk}/do/start_review/")
    assert response.status_code == 200
    said = " ".join(response.context["form"].non_field_errors())
    assert all(material.name in said for material in required)
    assert not any(material.item in said for material in required)
    claim.refresh_from_db()
    assert claim.state == "submitted"
