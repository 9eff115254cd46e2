"""The auditors' event exports, CSV or Excel, one row shape for the API and the admin: events as the feed reads
them."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from accounts.history import actor_names
from accounts.models import Channel
from audit import selectors
from config.csv import csv_response
from config.xlsx import xlsx_response
from filings.choices import FilingAction, FilingState
from registry.masking import mask_free_text, mask_id_number, masked_changes
from reimbursements.choices import ClaimAction, ClaimState

# How each kind of record names its actions and states, for the readable columns.
RECORD_LABELS = {
    "filing": (_("filing"), FilingAction, FilingState),
    "claim": (_("claim"), ClaimAction, ClaimState),
}
# Rows whose actors and channels are named together (four queries a chunk at most).
NAMING_CHUNK = 500

EVENT_HEADER = [
    "record_type",
    "reference",
    "id_number",
    "action",
    "from_state",
    "to_state",
    "actor",
    "channel",
    "at",
    "reason",
    "changes",
]
# After the codes, for people: the same facts by name (the kind, the action, the states, who, which channel).
READABLE_HEADER = [_("record"), _("action"), _("from state"), _("to state"), _("actor"), _("channel")]


def event_names(rows: list[dict]) -> dict[str, str]:
    """Names of the actors (stored labels) and channels (codes) of some events: four queries at most."""
    names = actor_names({row["actor_label"] for row in rows})
    channels = {row["channel_id"] for row in rows if row["channel_id"]}
    names.update(Channel.objects.filter(code__in=channels).values_list("code", "name"))
    return names


def event_labels(row: dict) -> tuple[str, str, str, str]:
    """The record's kind, the action and the two states of an event, by name (a first event's from-state: "")."""
    kind, actions, states = RECORD_LABELS[row["record_type"]]
    from_state = states(row["from_state"]).label if row["from_state"] else ""
    return str(kind), str(actions(row["action"]).label), str(from_state), str(states(row["to_state"]).label)


def event_rows(filters: selectors.EventFilters) -> Iterator[list]:
    """Every event the filters select, in feed order, personal identifiers masked; read in chunks.

    Each row holds the stored codes first (for machines, as the JSON feed has them), then the same facts by
    name (for auditors): 备案 / 审核通过 / 待审核 / 已生效 / 王敏（审核人员）/ 厦门医保微信公众号.
    """
    stream = selectors.event_stream(filters=filters)
    while chunk := list(islice(stream, NAMING_CHUNK)):
        names = event_names(chunk)
        for row in chunk:
            yield [
                row["record_type"],
                row["reference"],
                mask_id_number(row["id_number"]),
                row["action"],
                row["from_state"],
                row["to_state"],
                row["actor_label"],
                row["channel_id"],
                row["at"],
                mask_free_text(row["reason"]),
                masked_changes(row["changes"]),
                *event_labels(row),
                names.get(row["actor_label"], row["actor_label"]),
                names.get(row["channel_id"], row["channel_id"] or ""),
            ]


def events_csv(filters: selectors.EventFilters) -> StreamingHttpResponse:
    return csv_response(
        filename=f"events-{timezone.localdate():%Y%m%d}.csv",
        header=[*EVENT_HEADER, *READABLE_HEADER],
        rows=event_rows(filters),
    )


def events_xlsx(filters: selectors.EventFilters) -> FileResponse:
    """The same header and rows as ``events_csv``, as an Excel workbook (``config.xlsx``)."""
    return xlsx_response(
        filename=f"events-{timezone.localdate():%Y%m%d}.xlsx",
        header=[*EVENT_HEADER, *READABLE_HEADER],
        rows=event_rows(filters),
        sheet_name=pgettext("a workbook's sheet", "events"),
    )
