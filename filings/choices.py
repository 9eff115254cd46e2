"""Every enumeration of the filings app, once, with its label."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FilingCategory(models.TextChoices):
    LONG_TERM = "long_term", _("Long-term residence elsewhere (异地长期居住)")
    TEMPORARY = "temporary", _("Temporary treatment elsewhere (临时外出就医)")


class FilingType(models.TextChoices):
    RETIREE_RESETTLED = "retiree_resettled", _("Retiree resettled elsewhere (异地安置退休)")
    LONG_TERM_RESIDENT = "long_term_resident", _("Long-term resident elsewhere (异地长期居住)")
    STATIONED_WORKER = "stationed_worker", _("Worker stationed elsewhere (常驻异地工作)")
    REFERRAL = "referral", _("Referral (异地转诊)")
    EMERGENCY = "emergency", _("Emergency rescue (急诊抢救)")
    OTHER_TEMPORARY = "other_temporary", _("Other temporary trip (其他临时外出)")


FILING_CATEGORY = {
    FilingType.RETIREE_RESETTLED: FilingCategory.LONG_TERM,
    FilingType.LONG_TERM_RESIDENT: FilingCategory.LONG_TERM,
    FilingType.STATIONED_WORKER: FilingCategory.LONG_TERM,
    FilingType.REFERRAL: FilingCategory.TEMPORARY,
    FilingType.EMERGENCY: FilingCategory.TEMPORARY,
    FilingType.OTHER_TEMPORARY: FilingCategory.TEMPORARY,
}


class FilingMode(models.TextChoices):
    SELF_SERVICE = "self_service", _("Self-service, effective at once (自助开通)")
    FAST_TRACK = "fast_track", _("Fast track, reviewed (快速备案)")


class ProofBasis(models.TextChoices):
    DOCUMENTS = "documents", _("Documents")
    COMMITMENT = "commitment", _("Personal commitment letter (个人承诺书)")


class FilingState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted (已提交)")
    EFFECTIVE = "effective", _("Effective (已生效)")
    REJECTED = "rejected", _("Rejected (未通过)")
    CHANGED = "changed", _("Changed (已变更)")
    REVOKED = "revoked", _("Revoked (已撤销)")
    EXPIRED = "expired", _("Expired (已过期)")


LIVE_STATES = (FilingState.SUBMITTED, FilingState.EFFECTIVE)


class FilingAction(models.TextChoices):
    SUBMIT = "submit", _("Submit")
    RECORD = "record", _("Record as history (补办备案 for finished care)")
    CORRECT_CONTACT = "correct_contact", _("Correct the contact")
    ACTIVATE = "activate", _("Take effect at once")
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    WITHDRAW = "withdraw", _("Withdraw")
    CHANGE = "change", _("Change the filing (变更)")
    REVOKE = "revoke", _("Revoke")
    EXPIRE = "expire", _("Expire")
    RECOMPUTE_DUE = "recompute_due", _("Recount the review due date (new holiday calendar)")


# The whole state machine of a filing: (from, action) -> to. ``None`` is a filing not yet stored.
FILING_TRANSITIONS: dict[tuple[str | None, str], str] = {
    (None, FilingAction.SUBMIT): FilingState.SUBMITTED,
    # A filing whose whole period lies in the past is history from the start: it blocks nothing.
    (None, FilingAction.RECORD): FilingState.EXPIRED,
    (FilingState.SUBMITTED, FilingAction.CORRECT_CONTACT): FilingState.SUBMITTED,
    (FilingState.EFFECTIVE, FilingAction.CORRECT_CONTACT): FilingState.EFFECTIVE,
    (FilingState.SUBMITTED, FilingAction.ACTIVATE): FilingState.EFFECTIVE,
    (FilingState.SUBMITTED, FilingAction.APPROVE): FilingState.EFFECTIVE,
    (FilingState.SUBMITTED, FilingAction.REJECT): FilingState.REJECTED,
    (FilingState.SUBMITTED, FilingAction.WITHDRAW): FilingState.REVOKED,
    (FilingState.EFFECTIVE, FilingAction.CHANGE): FilingState.CHANGED,
    (FilingState.EFFECTIVE, FilingAction.REVOKE): FilingState.REVOKED,
    (FilingState.EFFECTIVE, FilingAction.EXPIRE): FilingState.EXPIRED,
    # The holiday calendar of a year changed: the due date is counted again, the state stays.
    (FilingState.SUBMITTED, FilingAction.RECOMPUTE_DUE): FilingState.SUBMITTED,
}


class EligibilityReasonCode(models.TextChoices):
    """Why eligibility answered as it did: ``reason_code`` of every answer (the selector checks each one)."""

    LOCAL = "local", _("Care in the insured city")
    IN_PROVINCE = "in_province", _("Inside the insured province, no filing needed")
    FILED = "filed", _("An effective filing covers the place and day")
    EMERGENCY = "emergency", _("Emergency treated as filed")
    NOT_INSURED_HERE = "not_insured_here", _("Not insured with this bureau")
    NOT_ACTIVELY_INSURED = "not_actively_insured", _("Not insured on that day")
    NOT_QUALIFIED = "not_qualified", _("No chronic/special outpatient qualification")
    NOT_SETTLED_DIRECTLY = "not_settled_directly", _("The chronic disease is not settled directly")
    INSTITUTION_NOT_CONNECTED = "institution_not_connected", _("The institution is not connected")
    NOT_DESIGNATED_INSTITUTION = "not_designated_institution", _("Not an institution the filing names")
    FILING_PENDING = "filing_pending", _("A filing awaits review")
    FILED_ELSEWHERE = "filed_elsewhere", _("The filing is for another destination")
    NO_FILING = "no_filing", _("No filing covers the place and day")


class EligibilityBasis(models.TextChoices):
    FILING = "filing", _("An effective filing")
    EMERGENCY = "emergency", _("Emergency treated as filed")
    IN_PROVINCE = "in_province", _("Inside the insured province, no filing needed")
