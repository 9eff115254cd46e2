"""Personal and money numbers are read NFKC, stored as ASCII digits; what is not a decimal digit after that is a
400 naming the field (issue 24, item 8)."""

import pytest
from django.core.exceptions import ValidationError

from registry.validators import normalize_account_number, normalize_id_number
from reimbursements.models import Claim
from tests.factories import ClaimRequestFactory, PersonFactory, valid_id_number

ID = valid_id_number(4242)
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize(
    "written",
    [
        ID,
        ID.translate(FULL_WIDTH),
        f" {ID[:6]} {ID[6:14]} {ID[14:]} ",
        f"{ID[:6]}-{ID[6:]}",
        ID.translate(ARABIC_INDIC),
    ],
)
def test_an_id_number_is_stored_in_ascii_however_it_is_typed(written):
    assert normalize_id_number(written) == ID


@pytest.mark.parametrize(
    "written", ["6216 6100 0000 1234 560", "6216610000001234560".translate(FULL_WIDTH), "6216-6100-0000-1234-560"]
)
def test_a_bank_account_is_stored_in_ascii_however_it_is_typed(written):
    assert normalize_account_number(written) == "6216610000001234560"


@pytest.mark.parametrize("written", ["6216六1000", "6216a61000", "6216+61000", ID[:17] + "六"])
def test_what_is_not_a_decimal_digit_after_normalisation_is_refused(written):
    with pytest.raises(ValidationError):
        normalize_account_number(written) if len(written) != 18 else normalize_id_number(written)


@pytest.mark.django_db
def test_the_api_stores_ascii_and_refuses_other_digits_naming_the_field(client_for):
    person = PersonFactory()
    counter = client_for(role="counter")
    body = ClaimRequestFactory(id_number=person.id_number.translate(FULL_WIDTH))
    stored = counter.post("/api/v1/claims/", {**body, "bank_account": "６２１６ ６１００ ００００ １２３４ ５６０"})
    assert stored.status_code == 201, stored.content
    claim = Claim.objects.get(reference=stored.json()["reference"])
    assert claim.bank_account == "6216610000001234560" and claim.bank_account.isascii()
    refused = counter.post(
        "/api/v1/claims/", {**ClaimRequestFactory(id_number=person.id_number), "bank_account": "六二一六"}
    )
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["bank_account"]
