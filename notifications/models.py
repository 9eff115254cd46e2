"""The outbox of notifications to persons (通知), and the marks of reviews past their due date."""

from __future__ import annotations

import pgtrigger
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.choices import NotificationKind, NotificationStatus, RecordType

# Exactly one of the two record links is set, and it is the one ``record_type`` names.
ONE_RECORD = Q(record_type=RecordType.FILING, filing__isnull=False, claim__isnull=True) | Q(
    record_type=RecordType.CLAIM, claim__isnull=False, filing__isnull=True
)


class RecordLink(models.Model):
    """A filing or a claim, named by type and reference as the person knows it."""

    record_type = models.CharField(_("record type"), max_length=8, choices=RecordType.choices)
    reference = models.CharField(_("reference"), max_length=20, db_index=True)
    filing = models.ForeignKey(
        "filings.Filing",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="%(class)ss",
        verbose_name=_("filing"),
    )
    claim = models.ForeignKey(
        "reimbursements.Claim",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="%(class)ss",
        verbose_name=_("claim"),
    )

    class Meta:
        abstract = True


class Notification(RecordLink):
    """One message a person should hear of, written in the transaction of what it tells (the outbox).

    It goes to the channel the record came through: POSTed to the channel's webhook by the
    sender (retried with backoff, then ``failed`` for staff to see), or read by the channel at
    ``GET /api/v1/notifications/``. ``key`` makes it once only: the event's id for a change of
    state, the date announced for a reminder.
    """

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="notifications", verbose_name=_("person")
    )
    channel = models.ForeignKey(
        "accounts.Channel", on_delete=models.PROTECT, related_name="notifications", verbose_name=_("channel")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    key = models.CharField(_("once-only key"), max_length=40, help_text=_("event:<id>, or the date a reminder is for."))
    payload = models.JSONField(
        _("payload"), encoder=DjangoJSONEncoder, help_text=_("What the channel receives; ID numbers masked.")
    )
    status = models.CharField(
        _("status"), max_length=8, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "reference", "key"], name="notification_once_per_record_kind_key"),
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values),
                name="notification_status_valid",
                violation_error_message=_("Choose one of the delivery statuses."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values),
                name="notification_kind_valid",
                violation_error_message=_("Choose one of the notification kinds."),
            ),
            models.CheckConstraint(
                condition=ONE_RECORD,
                name="notification_names_one_record",
                violation_error_message=_("A notification is about one filing or one claim, as its record type says."),
            ),
        ]
        indexes = [
            # The sender's question: pending rows whose next attempt is due.
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
            # The pull feed pages by id, scoped to a channel or to a person.
            models.Index(fields=["channel", "id"], name="notification_channel_feed"),
            models.Index(fields=["person", "id"], name="notification_person_feed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reference}"


class OverdueReview(RecordLink):
    """The mark that a fast-track filing or a claim was still undecided after its review due date (逾期未审).

    Written once per record and due date by the nightly sweep, never changed: a record is
    overdue while it has a mark for its current due date and is still undecided.
    """

    due_on = models.DateField(_("review due"))
    flagged_at = models.DateTimeField(_("flagged at"), default=timezone.now)

    class Meta:
        verbose_name = _("overdue review")
        verbose_name_plural = _("overdue reviews")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["reference", "due_on"], name="overdue_review_once_per_due_date"),
            models.CheckConstraint(
                condition=ONE_RECORD,
                name="overdue_review_names_one_record",
                violation_error_message=_("A mark is about one filing or one claim, as its record type says."),
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="overdue_review_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.due_on})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("OverdueReview rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("OverdueReview rows are append-only.")
