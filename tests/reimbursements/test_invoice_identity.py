"""One bill is one bill however it is typed: what the hostile walk found, kept so it stays fixed."""

import pytest
from django.core.exceptions import ValidationError

from reimbursements.models import BenefitPolicy, BenefitPool, Claim, ClaimInvoice
from tests.factories import BenefitPolicyFactory, ClaimFactory, ClaimRequestFactory, PersonFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/claims/"


def body(code: str, number: str, **overrides) -> dict:
    data = ClaimRequestFactory(**overrides)
    data["id_number"] = overrides.pop("id_number", None) or PersonFactory().id_number
    data["invoices"][0].update(code=code, number=number)
    return data


def written() -> tuple[int, int]:
    return Claim.objects.count(), ClaimInvoice.objects.count()


@pytest.mark.parametrize(
    ("code", "number"),
    [
        ("٣١٠٠٠٠٢٦", "١١٠٠٠١"),  # Arabic-Indic digits
        ("۳۱۰۰۰۰۲۶", "۱۱۰۰۰۱"),  # Extended Arabic-Indic
        ("३१००००२६", "११०००१"),  # Devanagari
        ("31000026\u0301", "110001"),  # a combining mark
        ("31000026\u034f", "110001\ufe0f"),  # grapheme joiner, variation selector
        ("31000026", "110001\u115f"),  # Hangul filler
        ("31000026", "110001\u3164"),
        ("31000026", "110001\u2800"),  # braille blank
        ("31000026", "110001\u17b4"),
        ("031000026", "00110001"),  # leading zeros of a number made of digits
    ],
)
def test_other_scripts_marks_fillers_and_leading_zeros_are_the_same_bill(counter, code, number):
    assert counter.post(URL, body("31000026", "110001")).status_code == 201
    before = written()
    response = counter.post(URL, body(code, number))
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "invoice_already_claimed"
    assert written() == before


@pytest.mark.parametrize(
    ("code", "number", "field"),
    [
        ("31000026", "+110001", "number"),
        ("31000026", "#110001", "number"),
        ("ﷺ", "110001", "code"),  # one character that NFKC makes eighteen letters of another script
        ("3" * 41, "110001", "code"),
    ],
)
def test_what_is_not_digits_and_latin_letters_is_refused_naming_it(counter, code, number, field):
    before = written()
    response = counter.post(URL, body(code, number))
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [f"invoices.0.{field}"]
    assert written() == before


def test_a_bill_stored_before_codes_were_asked_for_is_still_the_same_bill(counter):
    claim = ClaimFactory(institution_name="某医院")
    # As migration 0007 left a bill stored without its code: issuer and normalised number.
    ClaimInvoice.objects.filter(claim=claim).update(identity="legacy:name:某医院/LEG001", code="", number="LEG-001")
    response = counter.post(URL, body("31000099", "leg-001", institution_name="某 医院"))
    assert response.status_code == 409, response.content
    assert claim.reference in response.json()["message"]  # counter staff may read it


def test_an_invisible_institution_name_is_refused(counter):
    response = counter.post(URL, body("31000026", "220001", institution_name="\u200b"))
    assert response.status_code == 400
    assert "institution_name" in response.json()["errors"]


def test_at_most_fifty_invoices(counter):
    data = body("31000026", "330001", total_amount="51.00")
    data["invoices"] = [
        {"code": "31000026", "number": f"33{n:04d}", "amount": "1.00", "issued_on": data["discharge_date"]}
        for n in range(51)
    ]
    response = counter.post(URL, data)
    assert response.status_code == 400 and "invoices" in response.json()["errors"]


def test_rows_of_one_pool_state_one_cap():
    """Else what a person may draw would depend on which claim is approved first."""
    pool = BenefitPool.objects.get(code="fund")
    # The seeded row of this timeline ends before the new one starts (rows of one timeline never overlap).
    seeded = BenefitPolicy.objects.filter(insurance_type="employee", visit_kind="chronic_outpatient")
    seeded.filter(institution_level=2).update(effective_to="2029-12-31")
    row = BenefitPolicy(
        insurance_type="employee",
        visit_kind="chronic_outpatient",
        institution_level=2,
        deductible=0,
        ratio="0.8",
        annual_cap="20000.00",
        pool=pool,
        effective_from="2030-01-01",
    )
    with pytest.raises(ValidationError) as refused:
        row.full_clean()
    assert "annual_cap" in refused.value.message_dict
    row.annual_cap = "400000.00"  # the fund's sample cap for employees
    row.full_clean()
    assert BenefitPolicyFactory(annual_cap="400000.00").pool_id == "fund"
