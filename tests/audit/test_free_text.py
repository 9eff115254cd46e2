"""Identifiers typed into free text are masked on every path: stored reasons, answers, histories, exports,
notifications; events written before the rule are masked where they are shown."""

import csv
import io

import pytest
from django.test import Client

from config.personal import mask_free_text
from notifications.models import Notification
from reimbursements.models import ClaimEvent
from tests.factories import ClaimEventFactory, ClaimFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

ID = "350203195603120312"  # a valid check digit
CARD = "6222021234567890128"  # passes Luhn
MOBILE = "13906001234"
TYPED = f"身份证{ID}，卡号 6222 0212 3456 7890 128，手机{MOBILE}"
FULL = (ID, CARD, "6222 0212 3456 7890 128", MOBILE)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (f"号码 {ID}", "号码 350203********0312"),
        ("号码 ３５０２０３１９５６０３１２０３１２", "号码 350203********0312"),  # full-width digits
        ("号码 11010519491231002x", "号码 110105********002X"),
        ("号码 350203195603120313", "号码 350203195603120313"),  # wrong check digit: not an ID number
        (f"卡 {CARD}", "卡 ***************0128"),
        ("卡 6222021234567890129", "卡 6222021234567890129"),  # fails Luhn
        (f"电话 {MOBILE}", "电话 139****1234"),
        ("电话 139-0600-1234", "电话 139****1234"),
        ("座机 05925551234", "座机 05925551234"),  # not a mobile number
        ("编号 BX20261203000001，2026-12-03，10000.00 元", "编号 BX20261203000001，2026-12-03，10000.00 元"),
        # Forms a hostile review found passing: glued to letters, two numbers side by side, other separators.
        (f"ID{ID} Tel{MOBILE}", "ID350203********0312 Tel139****1234"),
        (f"{ID} {MOBILE}", "350203********0312 139****1234"),
        (f"{MOBILE} {CARD}", "139****1234 ***************0128"),
        ("电话 139.0600.1234", "电话 139****1234"),
        ("电话 139_0600_1234", "电话 139****1234"),
        ("电话 139\u30000600\u30001234", "电话 139****1234"),
        ("电话 139\u20100600\u20101234", "电话 139****1234"),
        ("号码 3502 0319 5603 1203 12", "号码 350203********0312"),
        ("参考 BA20261204000001", "参考 BA20261204000001"),  # a reference stays readable
    ],
    ids=[
        "id",
        "full-width id",
        "id with x",
        "bad check digit",
        "card",
        "not luhn",
        "mobile",
        "dashed mobile",
        "landline",
        "references dates amounts",
        "glued to letters",
        "id then mobile",
        "mobile then card",
        "dots",
        "underscores",
        "ideographic spaces",
        "unicode hyphens",
        "id in groups of four",
        "reference",
    ],
)
def test_identifiers_in_free_text_are_masked(text, shown):
    assert mask_free_text(text) == shown


def assert_masked(text: str) -> None:
    assert not any(full in text for full in FULL), text
    assert "350203********0312" in text and "139****1234" in text


def test_a_reason_is_stored_masked_and_leaves_masked_everywhere(client_for, reviewer, auditor):
    person = PersonFactory()
    claim = ClaimFactory(person=person)
    response = reviewer.post(f"/api/v1/claims/{claim.reference}/reject/", {"reason": TYPED})
    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert_masked(claim.end_reason)
    assert_masked(ClaimEvent.objects.get(claim=claim, action="reject").reason)
    assert_masked(str(Notification.objects.filter(person=person).order_by("-id").first().payload))
    assert_masked(str(client_for(person=person).get(f"/api/v1/claims/{claim.reference}/events/").json()))


def test_a_reason_stored_before_the_rule_is_masked_where_it_is_shown(auditor):
    claim = ClaimFactory()
    ClaimEventFactory(claim=claim, action="request_materials", to_state="materials_incomplete", reason=TYPED)
    assert_masked(str(auditor.get(f"/api/v1/claims/{claim.reference}/events/").json()))
    assert_masked(str(auditor.get("/api/v1/audit/events/", {"reference": claim.reference}).json()))
    body = b"".join(
        auditor.get("/api/v1/audit/events/", {"reference": claim.reference, "format": "csv"}).streaming_content
    ).decode()
    assert_masked(" ".join(",".join(row) for row in csv.reader(io.StringIO(body[1:]))))
    staff = Client()
    staff.force_login(UserFactory(role="auditor"))
    assert_masked(staff.get(f"/admin/reimbursements/claim/{claim.pk}/history/").content.decode())
    assert_masked(staff.get("/admin/audit/auditevent/", {"reference": claim.reference}).content.decode())
