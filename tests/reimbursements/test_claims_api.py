"""Claims through the API: the whole walk, the checklist, the amount, the 409s and bad input."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from registry.workdays import add_months
from reimbursements.models import Claim, ClaimEvent, ClaimMaterial, ClaimMaterialRequirement
from tests.factories import ClaimFactory, FilingFactory, PersonFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/claims/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
INPATIENT_ITEMS = ["hospital_invoice", "expense_list", "discharge_summary", "id_copy"]


def days_ago(n):
    return (timezone.localdate() - datetime.timedelta(days=n)).isoformat()


INVOICE_NUMBERS = itertools.count(1)


def claim_body(**overrides):
    """A claim body; unless told otherwise, one invoice for the whole total, numbered afresh."""
    data = {
        "claim_kind": "inpatient",
        "reason": "settlement_failed",
        "institution_name": "上海市第一人民医院",
        "institution_level": 3,
        "city": "310100",
        "admission_date": days_ago(20),
        "discharge_date": days_ago(10),
        "total_amount": "20000.00",
        "excluded_amount": "1000.00",
        "category_b_self_pay": "0.00",
        "bank_name": "中国银行",
        "bank_account": "6216 6100 0000 1234 567",
        "account_holder": "张三",
    }
    data.update(overrides)
    if "invoices" not in overrides:
        data["invoices"] = [
            {
                "code": "31000026",
                "number": f"FP{next(INVOICE_NUMBERS):08d}",
                "amount": data["total_amount"],
                "issued_on": days_ago(10),
            }
        ]
    return data


def actions(reference):
    return list(
        ClaimEvent.objects.filter(claim__reference=reference)
        .order_by("id")
        .values_list("action", "from_state", "to_state")
    )


@pytest.fixture
def person():
    return PersonFactory(name="张三", insurance_type="employee")


@pytest.fixture
def me(client_for, person):
    return client_for(person=person)


@pytest.fixture
def admin_staff(client_for):
    return client_for(role="admin")


def test_the_whole_walk_from_submission_to_payment(me, person, counter, reviewer, admin_staff):
    # A resettled retiree in Shanghai (long-term filer: the home ratio) whose hospital could not settle.
    filing = FilingFactory(
        person=person,
        filing_type="retiree_resettled",
        end_date=None,
        start_date=timezone.localdate() - datetime.timedelta(days=100),
        submitted_at=timezone.now() - datetime.timedelta(days=100),
    )
    # 1. The person submits; the checklist is copied from the policy; nothing accepted yet.
    response = me.post(URL, claim_body())
    assert response.status_code == 201, response.content
    claim = response.json()
    ref = claim["reference"]
    assert (claim["state"], claim["filing"], claim["basis"]) == ("submitted", filing.reference, "filed")
    assert claim["bank_account"] == "***************4567"
    assert [m["item"] for m in claim["materials"]] == INPATIENT_ITEMS
    assert claim["missing"] == INPATIENT_ITEMS
    assert claim["materials"][0] == {
        "item": "hospital_invoice",
        "name": "医院票据原件",
        "required": True,
        "original": True,
        "status": "missing",
        "reason": "",
        "changed_by": None,
        "changed_at": None,
        "has_file": False,
        "content_type": "",
        "size": None,
        "files_uploaded": 0,
    }
    assert claim["payable_amount"] is None and claim["breakdown"] is None
    assert claim["estimate"]["payable"] == "15300.00"  # (19000 − 1000 deductible) × 0.85

    # 2. Review cannot start while required items are missing.
    response = reviewer.post(f"{URL}{ref}/start-review/")
    assert response.status_code == 409
    assert response.json()["code"] == "materials_missing"

    # 3. The person uploads two files; counter staff accept them and ask for the rest.
    for item in ("hospital_invoice", "expense_list"):
        upload = me.post(
            f"{URL}{ref}/materials/{item}/", {"file": SimpleUploadedFile("x.pdf", PDF)}, format="multipart"
        )
        assert upload.status_code == 200, upload.content
        assert upload.json()["status"] == "received"
        accepted = counter.post(f"{URL}{ref}/materials/{item}/status/", {"status": "accepted"})
        assert accepted.json()["status"] == "accepted"
    response = counter.post(f"{URL}{ref}/request-materials/")
    assert response.json()["state"] == "materials_incomplete"
    event = ClaimEvent.objects.filter(claim__reference=ref).last()
    assert event.changes["missing"] == ["discharge_summary", "id_copy"]
    assert "出院小结" in event.reason

    # 4. The person supplements, counter staff accept at the counter, the person resubmits.
    for item in ("discharge_summary", "id_copy"):
        counter.post(f"{URL}{ref}/materials/{item}/status/", {"status": "received"})
        counter.post(f"{URL}{ref}/materials/{item}/status/", {"status": "accepted"})
    response = me.post(f"{URL}{ref}/submit/")
    assert response.json()["state"] == "submitted"
    assert response.json()["missing"] == []

    # 5. Review, approval (amount frozen with its breakdown), payment.
    assert reviewer.post(f"{URL}{ref}/start-review/").json()["state"] == "under_review"
    assert counter.post(f"{URL}{ref}/approve/").status_code == 403
    approved = reviewer.post(f"{URL}{ref}/approve/").json()
    assert (approved["state"], approved["payable_amount"]) == ("approved", "15300.00")
    steps = {s["code"]: s["value"] for s in approved["breakdown"]["steps"]}
    assert steps["eligible"] == "19000.00"
    assert steps["deductible_applied"] == "1000.00"
    assert steps["effective_ratio"] == "0.8500"
    assert approved["estimate"] is None
    assert reviewer.post(f"{URL}{ref}/pay/", {"payment_reference": "P1"}).status_code == 403
    assert admin_staff.post(f"{URL}{ref}/pay/", {}).status_code == 400
    paid = admin_staff.post(f"{URL}{ref}/pay/", {"payment_reference": "ZF2026112400001"}).json()
    assert (paid["state"], paid["payment_reference"]) == ("paid", "ZF2026112400001")

    # 6. Final states refuse everything, and the history tells the story.
    for action, client in (("withdraw", me), ("reject", reviewer), ("approve", reviewer), ("submit", me)):
        response = client.post(f"{URL}{ref}/{action}/", {"reason": "x"})
        assert response.status_code == 409, action
    assert actions(ref) == [
        ("submit", "", "submitted"),
        ("request_materials", "submitted", "materials_incomplete"),
        ("submit", "materials_incomplete", "submitted"),
        ("start_review", "submitted", "under_review"),
        ("approve", "under_review", "approved"),
        ("pay", "approved", "paid"),
    ]
    history = me.get(f"{URL}{ref}/events/").json()
    assert [e["action"] for e in history] == [a for a, _, _ in actions(ref)]
    assert history[0]["actor"] == f"person:{person.pk}" and history[0]["channel"] == "xm_wechat"


def test_checklist_is_closed_under_review(me, counter, reviewer, person):
    ref = me.post(URL, claim_body()).json()["reference"]
    for item in INPATIENT_ITEMS:
        counter.post(f"{URL}{ref}/materials/{item}/status/", {"status": "accepted"})
    reviewer.post(f"{URL}{ref}/start-review/")
    response = counter.post(f"{URL}{ref}/materials/id_copy/status/", {"status": "rejected", "reason": "模糊"})
    assert response.status_code == 409
    assert ClaimMaterial.objects.get(claim__reference=ref, item="id_copy").status == "accepted"


def test_rejected_item_needs_a_reason_and_a_person_cannot_accept(me, counter):
    ref = me.post(URL, claim_body()).json()["reference"]
    response = counter.post(f"{URL}{ref}/materials/id_copy/status/", {"status": "rejected"})
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    assert me.post(f"{URL}{ref}/materials/id_copy/status/", {"status": "accepted"}).status_code == 403
    ok = counter.post(f"{URL}{ref}/materials/id_copy/status/", {"status": "rejected", "reason": "复印件模糊"}).json()
    assert (ok["status"], ok["reason"]) == ("rejected", "复印件模糊")


def test_later_policy_change_does_not_alter_existing_claims(me):
    ref = me.post(URL, claim_body()).json()["reference"]
    ClaimMaterialRequirement.objects.create(
        claim_kind="inpatient", item="extra_form", name="新增材料", effective_from=timezone.localdate()
    )
    assert [m.item for m in Claim.objects.get(reference=ref).materials.all()] == INPATIENT_ITEMS
    new = me.post(URL, claim_body(admission_date=days_ago(40), discharge_date=days_ago(35))).json()
    assert "extra_form" in [m["item"] for m in new["materials"]]


def test_injury_adds_its_item_and_requirements_list_it(me, client_for):
    claim = me.post(URL, claim_body(injury=True)).json()
    assert claim["materials"][-1]["item"] == "injury_liability_proof"
    listed = client_for(channel="nhsa_app").get("/api/v1/requirements/", {"claim_kind": "chronic_outpatient"})
    assert [i["item"] for i in listed.json()["items"]] == [
        "outpatient_invoice",
        "expense_list",
        "prescription",
        "medical_record_copy",
        "test_reports",
        "disease_qualification",
    ]


def test_not_filed_claim_pays_the_own_share_first(me):
    claim = me.post(URL, claim_body(reason="not_filed", total_amount="10000.00", excluded_amount="0")).json()
    # eligible 10000 − 10 % own share 1000 = 9000 − deductible 1000 = 8000 × (0.85 − 0.10 no-filing reduction)
    assert claim["estimate"]["own_share"] == "1000.00"
    assert claim["estimate"]["payable"] == "6000.00"
    assert (claim["basis"], claim["filing"]) == ("no_filing", None)
    assert claim["estimate"]["basis"]["code"] == "no_filing"


def test_a_filing_made_after_discharge_is_found_and_takes_the_own_share(me, person):
    # Filed today (after the discharge ten days ago) for a stay that began twenty days ago: 补办备案.
    filing = FilingFactory(
        person=person,
        filing_type="retiree_resettled",
        end_date=None,
        start_date=timezone.localdate() - datetime.timedelta(days=30),
    )
    claim = me.post(URL, claim_body(reason="settlement_failed", total_amount="10000.00", excluded_amount="0")).json()
    assert (claim["basis"], claim["filing"]) == ("retroactive_filing", filing.reference)
    # Long-term filer: home ratio, but the 10 % own share of a retroactive filing: 9000 − 1000 = 8000 × 0.85
    assert claim["estimate"]["payable"] == "6800.00"


def test_second_claim_of_the_year_finds_the_deductible_used(me, person, counter, reviewer):
    FilingFactory(
        person=person,
        filing_type="retiree_resettled",
        end_date=None,
        start_date=timezone.localdate() - datetime.timedelta(days=100),
        submitted_at=timezone.now() - datetime.timedelta(days=100),
    )
    refs = []
    for stay in ((60, 55), (20, 10)):  # two stays of the same year
        body = claim_body(total_amount="5000.00", excluded_amount="0")
        body.update(admission_date=days_ago(stay[0]), discharge_date=days_ago(stay[1]))
        body["invoices"][0]["issued_on"] = days_ago(stay[1])
        ref = me.post(URL, body).json()["reference"]
        for item in INPATIENT_ITEMS:
            counter.post(f"{URL}{ref}/materials/{item}/status/", {"status": "accepted"})
        reviewer.post(f"{URL}{ref}/start-review/")
        refs.append(reviewer.post(f"{URL}{ref}/approve/").json())
    assert refs[0]["payable_amount"] == "3400.00"  # (5000 − 1000) × 0.85
    assert refs[1]["payable_amount"] == "4250.00"  # deductible used up: 5000 × 0.85


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"total_amount": "-1.00"}, "total_amount"),
        ({"total_amount": "abc"}, "total_amount"),
        ({"total_amount": "100.001"}, "total_amount"),
        ({"excluded_amount": "30000.00"}, "excluded_amount"),
        ({"category_b_self_pay": "19500.00"}, "category_b_self_pay"),
        ({"discharge_date": days_ago(30)}, "discharge_date"),
        ({"discharge_date": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()}, "discharge_date"),
        ({"claim_kind": "dental"}, "claim_kind"),
        ({"reason": "forgot"}, "reason"),
        ({"city": "999900"}, "city"),
        ({"institution_level": 4}, "institution_level"),
        ({"bank_account": "62-16-AB"}, "bank_account"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(me, overrides, field):
    response = me.post(URL, claim_body(**overrides))
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert Claim.objects.count() == 0 and ClaimEvent.objects.count() == 0


def test_claims_after_the_deadline_are_refused_with_the_deadline(me):
    response = me.post(URL, claim_body(admission_date=days_ago(400), discharge_date=days_ago(380)))
    assert response.status_code == 400
    message = response.json()["errors"]["discharge_date"][0]
    deadline = add_months(timezone.localdate() - datetime.timedelta(days=380), 12)
    assert deadline.isoformat() in message


@pytest.mark.parametrize("content", [b"GIF89a" + b"\x00" * 20, b"plain text"])
def test_wrong_file_type_is_refused(me, content):
    ref = me.post(URL, claim_body()).json()["reference"]
    response = me.post(
        f"{URL}{ref}/materials/id_copy/", {"file": SimpleUploadedFile("a.pdf", content)}, format="multipart"
    )
    assert response.status_code == 400 and "file" in response.json()["errors"]
    assert ClaimMaterial.objects.get(claim__reference=ref, item="id_copy").status == "missing"


def test_another_persons_claim_is_404(client_for, me):
    other = client_for(person=PersonFactory()).post(URL, claim_body()).json()["reference"]
    assert me.get(f"{URL}{other}/").status_code == 404
    assert me.post(f"{URL}{other}/withdraw/").status_code == 404
    assert (
        me.post(
            f"{URL}{other}/materials/id_copy/", {"file": SimpleUploadedFile("a.pdf", PDF)}, format="multipart"
        ).status_code
        == 404
    )
    assert me.get(URL).json()["count"] == 0


def test_channels_and_hospitals_reach_no_claims(client_for, person):
    for channel in ("xm_wechat", "hospital"):
        assert client_for(channel=channel).get(URL).status_code == 403


def test_counter_claims_for_a_person_and_staff_filter(counter, auditor, person):
    response = counter.post(
        URL,
        claim_body(
            id_number=person.id_number,
            reason="emergency",
            claim_kind="emergency",
            setting="inpatient",
            proxy_name="李四",
            proxy_id_number="11010519491231002X",
            proxy_relationship="子女",
        ),
    )
    assert response.status_code == 201, response.content
    assert response.json()["channel"] == "counter"
    PersonFactory()
    assert auditor.get(URL, {"id_number": person.id_number}).json()["count"] == 1
    assert auditor.get(URL, {"reason": "not_filed"}).json()["count"] == 0
    assert auditor.get(URL, {"claim_kind": "emergency", "state": "submitted"}).json()["count"] == 1


def test_withdraw_before_a_decision(me):
    ref = me.post(URL, claim_body()).json()["reference"]
    assert me.post(f"{URL}{ref}/withdraw/").json()["state"] == "withdrawn"
    assert me.post(f"{URL}{ref}/withdraw/").status_code == 409


def test_reject_needs_a_reason(me, reviewer):
    ref = me.post(URL, claim_body()).json()["reference"]
    assert reviewer.post(f"{URL}{ref}/reject/").status_code == 400
    response = reviewer.post(f"{URL}{ref}/reject/", {"reason": "超出报销范围"})
    assert (response.json()["state"], response.json()["end_reason"]) == ("rejected", "超出报销范围")


def test_claim_list_costs_four_queries(auditor, django_assert_num_queries):
    ClaimFactory.create_batch(6)
    with django_assert_num_queries(4):  # the token, the page, the page's invoices, the count
        assert len(auditor.get(URL, {"page_size": 5}).json()["results"]) == 5
    with django_assert_num_queries(3):  # one page holds them all: no count
        assert auditor.get(URL).json()["count"] == 6


def test_money_is_decimal_to_the_fen(me):
    ref = me.post(URL, claim_body(total_amount="1234.5")).json()["reference"]
    assert Claim.objects.get(reference=ref).total_amount == Decimal("1234.50")


def test_claim_files_reach_the_owner_and_staff_only(me, client_for, counter):
    ref = me.post(URL, claim_body()).json()["reference"]
    me.post(f"{URL}{ref}/materials/id_copy/", {"file": SimpleUploadedFile("a.pdf", PDF)}, format="multipart")
    url = f"{URL}{ref}/materials/id_copy/"
    for client in (me, counter):
        response = client.get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert client_for(person=PersonFactory()).get(url).status_code == 404
    assert me.get(f"{URL}{ref}/materials/expense_list/").status_code == 404
