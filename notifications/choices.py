"""Every enumeration of the notifications app, once, with its label."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    FILING_EFFECTIVE = "filing_effective", _("Filing effective")
    FILING_REJECTED = "filing_rejected", _("Filing rejected")
    FILING_REVOKED = "filing_revoked", _("Filing revoked")
    FILING_EXPIRING = "filing_expiring", _("Filing expiring soon")
    COMMITMENT_DUE = "commitment_due", _("Promised documents due soon")
    CLAIM_MATERIALS_REQUESTED = "claim_materials_requested", _("Claim needs materials (补正)")
    CLAIM_APPROVED = "claim_approved", _("Claim approved")
    CLAIM_REJECTED = "claim_rejected", _("Claim rejected")
    CLAIM_PAID = "claim_paid", _("Claim paid")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class RecordType(models.TextChoices):
    FILING = "filing", _("Filing")
    CLAIM = "claim", _("Claim")
