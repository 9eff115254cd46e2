"""Every enumeration of the reimbursements app, once, with its label."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClaimKind(models.TextChoices):
    INPATIENT = "inpatient", _("Inpatient (住院)")
    OUTPATIENT = "outpatient", _("Outpatient (门诊)")
    EMERGENCY = "emergency", _("Emergency (急诊抢救)")
    REFERRAL = "referral", _("Referral (转诊)")
    CHRONIC_OUTPATIENT = "chronic_outpatient", _("Chronic/special outpatient (门诊慢特病)")


class Setting(models.TextChoices):
    """Where emergency care took place: its checklist and benefits follow that setting."""

    INPATIENT = "inpatient", _("Inpatient (住院)")
    OUTPATIENT = "outpatient", _("Outpatient (门诊)")


class BenefitVisit(models.TextChoices):
    """The visit kinds benefit policy rows distinguish (参保地政策)."""

    INPATIENT = "inpatient", _("Inpatient (住院)")
    OUTPATIENT = "outpatient", _("Outpatient (门诊)")
    CHRONIC_OUTPATIENT = "chronic_outpatient", _("Chronic/special outpatient (门诊慢特病)")


class DeductibleScope(models.TextChoices):
    """How far a benefit row's deductible (起付线) reaches: each stay pays it anew, or once a calendar year."""

    PER_STAY = "per_stay", _("Per stay or visit (每次)")
    PER_YEAR = "per_year", _("Per calendar year (每年)")


# The benefit rows a claim kind is paid by; an emergency follows its setting.
BENEFIT_VISIT = {
    ClaimKind.INPATIENT: BenefitVisit.INPATIENT,
    ClaimKind.REFERRAL: BenefitVisit.INPATIENT,
    ClaimKind.OUTPATIENT: BenefitVisit.OUTPATIENT,
    ClaimKind.CHRONIC_OUTPATIENT: BenefitVisit.CHRONIC_OUTPATIENT,
}
# The checklist of a claim: the requirement rows of these kinds, in this order (the claim kind's own
# rows hold only what it adds); an emergency takes its setting's rows first.
CHECKLIST_KINDS = {
    ClaimKind.INPATIENT: ("inpatient",),
    ClaimKind.OUTPATIENT: ("outpatient",),
    ClaimKind.EMERGENCY: ("emergency",),
    ClaimKind.REFERRAL: ("inpatient", "referral"),
    ClaimKind.CHRONIC_OUTPATIENT: ("outpatient", "chronic_outpatient"),
}
# The emergency checklist item that makes the care count as filed (急诊抢救视同已备案).
RESCUE_RECORD_ITEM = "rescue_record"

# Requirement rows may also be for the injury flag, added on top of the visit kind's items.
INJURY = "injury"
REQUIREMENT_KIND_CHOICES = [*ClaimKind.choices, (INJURY, _("Injury, on top of the visit kind (外伤)"))]


class ClaimReason(models.TextChoices):
    NOT_FILED = "not_filed", _("No filing at the time of treatment")
    RETROACTIVE_FILING = "retroactive_filing", _("Retroactive filing after discharge")
    SETTLEMENT_FAILED = "settlement_failed", _("Direct settlement was impossible")
    EMERGENCY = "emergency", _("Emergency rescue paid in full")
    CHRONIC_NOT_SETTLED = "chronic_not_settled", _("Chronic disease not settled across provinces")


class ClaimBasis(models.TextChoices):
    """What a claim rests on, derived from the records (never from the claimant's ``reason``)."""

    EMERGENCY = "emergency", _("Emergency rescue, treated as filed (急诊抢救视同已备案)")
    IN_PROVINCE = "in_province", _("Inside the insured province, no filing needed")
    FILED = "filed", _("Filed before discharge")
    RETROACTIVE_FILING = "retroactive_filing", _("Filed after discharge (补办备案)")
    NO_FILING = "no_filing", _("No filing")


# Bases on which the person pays a share first (出院后补办备案的，需先自付10%; likewise with no filing).
OWN_SHARE_BASES = (ClaimBasis.RETROACTIVE_FILING, ClaimBasis.NO_FILING)


class ClaimState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted (已提交)")
    MATERIALS_INCOMPLETE = "materials_incomplete", _("Materials incomplete (待补正)")
    UNDER_REVIEW = "under_review", _("Under review (审核中)")
    APPROVED = "approved", _("Approved (审核通过)")
    PAID = "paid", _("Paid (已支付)")
    REJECTED = "rejected", _("Rejected (不予支付)")
    WITHDRAWN = "withdrawn", _("Withdrawn (已撤回)")


# Claims still being worked on: their amount is an estimate until approval freezes it.
OPEN_CLAIM_STATES = (ClaimState.SUBMITTED, ClaimState.MATERIALS_INCOMPLETE, ClaimState.UNDER_REVIEW)
# Claims waiting on the bureau's decision (not on the person, as while materials are being supplied):
# their review due date runs, the queue holds them, the overdue sweep marks them.
AWAITING_DECISION = (ClaimState.SUBMITTED, ClaimState.UNDER_REVIEW)
# States in which the checklist may still change.
CHECKLIST_OPEN_STATES = (ClaimState.SUBMITTED, ClaimState.MATERIALS_INCOMPLETE)
# Claims that hold their invoices and their stay: one bill, one stay, one live claim.
LIVE_CLAIM_STATES = (
    ClaimState.SUBMITTED,
    ClaimState.MATERIALS_INCOMPLETE,
    ClaimState.UNDER_REVIEW,
    ClaimState.APPROVED,
    ClaimState.PAID,
)
# Claims whose amount counts towards this year's deductible and cap.
DECIDED_PAYABLE_STATES = (ClaimState.APPROVED, ClaimState.PAID)


class ClaimAction(models.TextChoices):
    SUBMIT = "submit", _("Submit")
    REQUEST_MATERIALS = "request_materials", _("Request materials")
    START_REVIEW = "start_review", _("Start review")
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Refuse payment")
    PAY = "pay", _("Pay")
    WITHDRAW = "withdraw", _("Withdraw")
    RECOMPUTE_DUE = "recompute_due", _("Recount the review due date (new holiday calendar)")


# The whole state machine of a claim: (from, action) -> to. ``None`` is a claim not yet stored.
CLAIM_TRANSITIONS: dict[tuple[str | None, str], str] = {
    (None, ClaimAction.SUBMIT): ClaimState.SUBMITTED,
    (ClaimState.MATERIALS_INCOMPLETE, ClaimAction.SUBMIT): ClaimState.SUBMITTED,
    (ClaimState.SUBMITTED, ClaimAction.REQUEST_MATERIALS): ClaimState.MATERIALS_INCOMPLETE,
    (ClaimState.SUBMITTED, ClaimAction.START_REVIEW): ClaimState.UNDER_REVIEW,
    (ClaimState.UNDER_REVIEW, ClaimAction.APPROVE): ClaimState.APPROVED,
    (ClaimState.SUBMITTED, ClaimAction.REJECT): ClaimState.REJECTED,
    (ClaimState.MATERIALS_INCOMPLETE, ClaimAction.REJECT): ClaimState.REJECTED,
    (ClaimState.UNDER_REVIEW, ClaimAction.REJECT): ClaimState.REJECTED,
    (ClaimState.APPROVED, ClaimAction.PAY): ClaimState.PAID,
    (ClaimState.SUBMITTED, ClaimAction.WITHDRAW): ClaimState.WITHDRAWN,
    (ClaimState.MATERIALS_INCOMPLETE, ClaimAction.WITHDRAW): ClaimState.WITHDRAWN,
    (ClaimState.UNDER_REVIEW, ClaimAction.WITHDRAW): ClaimState.WITHDRAWN,
    # The holiday calendar of a year changed: the due date of a claim awaiting a decision is counted again.
    (ClaimState.SUBMITTED, ClaimAction.RECOMPUTE_DUE): ClaimState.SUBMITTED,
    (ClaimState.UNDER_REVIEW, ClaimAction.RECOMPUTE_DUE): ClaimState.UNDER_REVIEW,
}


class MaterialStatus(models.TextChoices):
    MISSING = "missing", _("Missing")
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


# How each step of the amount breakdown is named to readers (the engine itself stays free of Django).
BREAKDOWN_STEP_LABELS = {
    "total": _("Total paid"),
    "excluded": _("Outside the catalogue"),
    "category_b_self_pay": _("Category B paid first"),
    "eligible": _("Eligible cost"),
    "own_share": _("Own share paid first"),
    "after_own_share": _("After the own share"),
    "deductible_remaining": _("Deductible remaining this year"),
    "deductible_applied": _("Deductible applied"),
    "after_deductible": _("After the deductible"),
    "ratio": _("Reimbursement ratio"),
    "reduction": _("Ratio reduction"),
    "effective_ratio": _("Ratio applied"),
    "fund_before_cap": _("Fund share before the cap"),
    "cap_remaining": _("Annual cap remaining"),
    "payable": _("Payable amount"),
}
