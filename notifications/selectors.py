"""Reads of the notifications app: the pull feed, failed deliveries, review deadlines and overdue counts."""

from __future__ import annotations

import base64
import binascii
import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from config.actors import Actor, ActorKind
from config.errors import PermissionRefused, ValidationFailed
from filings.choices import FilingState
from notifications.choices import NotificationStatus, RecordType
from notifications.models import Notification, OverdueReview
from reimbursements.choices import AWAITING_DECISION
from reimbursements.models import Claim

# --- the pull feed ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedCursor:
    """The last notification a reader has seen; the next page starts after it. Opaque to readers."""

    id: int

    def encode(self) -> str:
        return base64.urlsafe_b64encode(f"n:{self.id}".encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> FeedCursor:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
            prefix, number = raw.split(":", 1)
            if prefix != "n" or not number.isdigit() or not 0 < int(number) < 2**63:
                raise ValueError(value)
            return cls(int(number))
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise ValidationFailed(
                _("The cursor is not one this feed handed out."),
                code="invalid_cursor",
                errors={"after": [_("Use the `next` cursor of a previous answer, as it was given.")]},
            ) from None


def feed_scope(actor: Actor | None) -> Q:
    """Whose notifications a reader sees: a channel its own channel's, a person their own; nobody else any."""
    if actor is not None and actor.kind == ActorKind.PERSON:
        return Q(person_id=actor.person_id)
    if actor is not None and actor.kind == ActorKind.CHANNEL and not actor.is_hospital:
        return Q(channel_id=actor.channel_code)
    raise PermissionRefused(_("Notifications are read by a channel's key or a person's session."))


def notification_feed(
    *, actor: Actor | None, after: FeedCursor | None, size: int
) -> tuple[list[Notification], FeedCursor | None, bool]:
    """The reader's notifications after the cursor, oldest first: (rows, next cursor, more to come).

    The next cursor is the last row's, or the one given when nothing new has come, so a poller
    always keeps the cursor it is handed.
    """
    qs = Notification.objects.filter(feed_scope(actor)).order_by("id")
    if after is not None:
        qs = qs.filter(id__gt=after.id)
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    following = FeedCursor(rows[-1].pk) if rows else after
    return rows, following, more


def failed_count() -> int:
    """Notifications no retry will deliver: staff look at them in the admin."""
    return Notification.objects.filter(status=NotificationStatus.FAILED).count()


# --- review deadlines -------------------------------------------------------------------------------


def claim_review_due_dates() -> list[tuple[int, str, datetime.date]]:
    """(id, reference, due date) of every claim awaiting the bureau's decision.

    The due date is the claim's own ``review_due``: the claim policy's working days after its
    last submission (a resubmission after 补正 starts the time again).
    """
    return list(
        Claim.objects.filter(state__in=AWAITING_DECISION, review_due__isnull=False).values_list(
            "pk", "reference", "review_due"
        )
    )


def overdue_marks() -> QuerySet[OverdueReview]:
    """Marks of reviews overdue now: the record is still undecided, and still due on the date marked.

    A claim resubmitted after 补正 has a new due date: its old mark no longer counts, and the
    sweep marks the new date if that passes too.
    """
    return OverdueReview.objects.filter(
        Q(record_type=RecordType.FILING, filing__state=FilingState.SUBMITTED, due_on=F("filing__review_due"))
        | Q(record_type=RecordType.CLAIM, claim__state__in=AWAITING_DECISION, due_on=F("claim__review_due"))
    ).order_by("due_on", "id")


def overdue_counts() -> dict[str, int]:
    """How many fast-track filings and claims are past their review due date and still undecided."""
    counts = {RecordType.FILING.value: 0, RecordType.CLAIM.value: 0}
    rows = overdue_marks().order_by().values("record_type").annotate(n=Count("reference", distinct=True))
    for row in rows:
        counts[row["record_type"]] = row["n"]
    return counts


def is_overdue(*, record_type: str, reference: str) -> bool:
    """The flag of one record: marked overdue and still undecided."""
    return overdue_marks().filter(record_type=record_type, reference=reference).exists()
