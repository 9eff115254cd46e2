"""The two walk-throughs of docs/getting-started/ (a filing; a manual claim), with openapi-python-client's client.

Every call goes through the generated package ``bureau_client`` and its types; nothing here builds a request.
Run by ``clients/check.py`` against a live server with the demo data, reading the demo credentials from the
environment: BASE_URL, CHANNEL_KEY (xm_wechat), HOSPITAL_KEY, COUNTER, REVIEWER and ADMIN (``user:password``).
"""

from __future__ import annotations

import datetime
import io
import os
import sys
from typing import TypeVar

from bureau_client import AuthenticatedClient, Client
from bureau_client.api.auth import create_person_session, create_staff_token
from bureau_client.api.claims import (
    approve_claim,
    create_claim,
    get_claim,
    list_claim_events,
    pay_claim,
    request_claim_materials,
    resubmit_claim,
    set_claim_material_status,
    start_claim_review,
    upload_claim_material,
)
from bureau_client.api.eligibility import check_eligibility
from bureau_client.api.filings import create_filing, list_filing_events, revoke_filing
from bureau_client.api.notifications import list_notifications
from bureau_client.api.reference_data import get_requirements
from bureau_client.models import (
    ClaimDetail,
    ClaimInputRequest,
    ClaimKind,
    ClaimMaterial,
    ClaimMaterialItem,
    ClaimPaidNotification,
    ClaimPayRequest,
    ClaimReason,
    ClaimRequirements,
    ClaimState,
    ClaimTransitionRequest,
    Eligibility,
    EligibilityReasonCode,
    Error,
    FilingDetail,
    FilingInputRequest,
    FilingRequirements,
    FilingState,
    FilingType,
    InvoiceInputRequest,
    MaterialStatusRequest,
    MaterialStatusSet,
    MaterialUploadRequest,
    NotificationPage,
    PersonSession,
    PersonSessionOpenRequest,
    ProofBasis,
    RevokeRequest,
    StaffLoginRequest,
    StaffToken,
    VisitKind,
)
from bureau_client.types import File

ZHANG = ("350203195603120312", "张三")  # the demo person: a resettled retiree
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


T = TypeVar("T")


def expect(answer: T | Error | None, kind: type[T], step: str) -> T:
    """The answer of one step, of the type the schema promises, or the run stops saying which step failed."""
    if isinstance(answer, kind):
        return answer
    detail = f"{answer.code}: {answer.message} {answer.errors.to_dict()}" if isinstance(answer, Error) else answer
    raise SystemExit(f"python walk-through: {step} failed: {detail}")


def main() -> int:
    base = os.environ["BASE_URL"]
    today = datetime.date.today()
    channel = AuthenticatedClient(base_url=base, token=os.environ["CHANNEL_KEY"], prefix="Api-Key")
    hospital = AuthenticatedClient(base_url=base, token=os.environ["HOSPITAL_KEY"], prefix="Api-Key")

    # Walk-through 1: a channel, a person, a filing, a hospital, a revocation.
    session = create_person_session.sync(
        client=channel, body=PersonSessionOpenRequest(id_number=ZHANG[0], name=ZHANG[1])
    )
    person = AuthenticatedClient(base_url=base, token=expect(session, PersonSession, "open a session").token)
    needed = expect(
        get_requirements.sync(client=person, filing_type=FilingType.RETIREE_RESETTLED),
        FilingRequirements,
        "requirements",
    )
    assert needed.items, "a resettled retiree's checklist is not empty"
    filing = expect(
        create_filing.sync(
            client=person,
            body=FilingInputRequest(
                filing_type=FilingType.RETIREE_RESETTLED,
                destination="310000",
                start_date=today,
                contact_name=ZHANG[1],
                contact_phone="13906001234",
                consent=True,
            ),
        ),
        FilingDetail,
        "file",
    )
    assert (filing.state, filing.proof_basis) == (FilingState.EFFECTIVE, ProofBasis.COMMITMENT), filing.state
    asked = {"id_number": ZHANG[0], "city": "310100", "visit": VisitKind.INPATIENT}
    covered = expect(
        check_eligibility.sync(client=hospital, institution="H31010000001", **asked), Eligibility, "eligibility"
    )
    assert (covered.covered, covered.filing) == (True, filing.reference), covered.reason
    revoked = expect(
        revoke_filing.sync(filing.reference, client=person, body=RevokeRequest(reason="回厦门居住")),
        FilingDetail,
        "revoke",
    )
    assert revoked.state == FilingState.REVOKED
    after = expect(check_eligibility.sync(client=hospital, **asked), Eligibility, "eligibility after revocation")
    assert (after.covered, after.reason_code) == (False, EligibilityReasonCode.NO_FILING), after.reason_code
    history = list_filing_events.sync(filing.reference, client=person)
    assert isinstance(history, list) and [event.action for event in history][0] == "submit", history
    print(f"python walk-through: filing {filing.reference} effective, covered, revoked ({len(history)} events)")

    # Walk-through 2: a manual reimbursement claim (手工报销).
    staff = {role: staff_client(base, role) for role in ("COUNTER", "REVIEWER", "ADMIN")}
    expect(get_requirements.sync(client=person, claim_kind=ClaimKind.INPATIENT), ClaimRequirements, "claim checklist")
    discharged = today - datetime.timedelta(days=24)
    claim = expect(
        create_claim.sync(
            client=person,
            body=ClaimInputRequest(
                claim_kind=ClaimKind.INPATIENT,
                reason=ClaimReason.SETTLEMENT_FAILED,
                institution="H31010000001",
                city="310100",
                admission_date=discharged - datetime.timedelta(days=9),
                discharge_date=discharged,
                total_amount="20000.00",
                excluded_amount="1000.00",
                invoices=[
                    InvoiceInputRequest(code="31000026", number="110001", amount="20000.00", issued_on=discharged)
                ],
                bank_name="中国银行",
                bank_account="6216610000001234567",
            ),
        ),
        ClaimDetail,
        "claim",
    )
    assert claim.state == ClaimState.SUBMITTED and claim.missing, claim.state
    scan = File(payload=io.BytesIO(PDF), file_name="summary.pdf", mime_type="application/pdf")
    uploaded = upload_claim_material.sync(
        claim.reference, ClaimMaterialItem.DISCHARGE_SUMMARY, client=person, body=MaterialUploadRequest(file=scan)
    )
    assert expect(uploaded, ClaimMaterial, "upload").has_file
    accept = MaterialStatusRequest(status=MaterialStatusSet.ACCEPTED)
    first, *rest = [item.item for item in claim.materials if item.required]
    expect(
        set_claim_material_status.sync(claim.reference, first, client=staff["COUNTER"], body=accept),
        ClaimMaterial,
        "accept",
    )
    asked_for = request_claim_materials.sync(claim.reference, client=staff["COUNTER"], body=ClaimTransitionRequest())
    assert expect(asked_for, ClaimDetail, "request materials").state == ClaimState.MATERIALS_INCOMPLETE
    for item in rest:
        expect(
            set_claim_material_status.sync(claim.reference, item, client=staff["COUNTER"], body=accept),
            ClaimMaterial,
            f"accept {item}",
        )
    expect(resubmit_claim.sync(claim.reference, client=person, body=ClaimTransitionRequest()), ClaimDetail, "resubmit")
    expect(
        start_claim_review.sync(claim.reference, client=staff["REVIEWER"], body=ClaimTransitionRequest()),
        ClaimDetail,
        "start review",
    )
    approved = expect(
        approve_claim.sync(claim.reference, client=staff["REVIEWER"], body=ClaimTransitionRequest()),
        ClaimDetail,
        "approve",
    )
    assert approved.state == ClaimState.APPROVED and approved.payable_amount, approved.state
    paid = pay_claim.sync(
        claim.reference, client=staff["ADMIN"], body=ClaimPayRequest(payment_reference="ZF2026112400001")
    )
    assert expect(paid, ClaimDetail, "pay").state == ClaimState.PAID
    assert expect(get_claim.sync(claim.reference, client=person), ClaimDetail, "read").state == ClaimState.PAID
    events = list_claim_events.sync(claim.reference, client=person)
    assert isinstance(events, list) and events[-1].action == "pay", events
    # What the person was told, one shape per kind: a paid claim's payload carries the amount.
    feed = expect(list_notifications.sync(client=person), NotificationPage, "notifications")
    told = [notification.kind for notification in feed.results]
    assert {"filing_effective", "filing_revoked", "claim_paid"} <= set(told), told
    paid_notice = next(n for n in feed.results if isinstance(n, ClaimPaidNotification))
    assert paid_notice.payload.payable_amount == approved.payable_amount, paid_notice.payload
    print(f"python walk-through: claim {claim.reference} paid {approved.payable_amount} ({len(events)} events)")
    return 0


def staff_client(base: str, role: str) -> AuthenticatedClient:
    username, _sep, password = os.environ[role].partition(":")
    login = create_staff_token.sync(
        client=Client(base_url=base), body=StaffLoginRequest(username=username, password=password)
    )
    return AuthenticatedClient(
        base_url=base, token=expect(login, StaffToken, f"log in as {role.lower()}").token, prefix="Token"
    )


if __name__ == "__main__":
    sys.exit(main())
