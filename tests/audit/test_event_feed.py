"""The auditors' event feed: one order across filings and claims, keyset pages, filters, refusals, the CSV export."""

import base64
import csv
import datetime
import io
import json
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import Role
from audit import selectors
from filings.models import FilingEvent
from reimbursements.models import ClaimEvent
from tests.factories import (
    ClaimEventFactory,
    ClaimFactory,
    FilingEventFactory,
    FilingFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/events/"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The explicit events happen on one morning of 2025; the claims' own submit events (written by the
# service when ClaimFactory files them) happen now, after all of them.
T0 = datetime.datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
T1 = T0 + datetime.timedelta(hours=1)  # five events share this instant, in both tables
T2 = T0 + datetime.timedelta(hours=2)
T3 = T0 + datetime.timedelta(hours=3)
FULL_ID = re.compile(r"\d{17}[\dX]")
CODE_COLUMNS = "record_type,reference,id_number,action,from_state,to_state,actor,channel,at,reason,changes"
# After the stored codes, the same facts by name, for people reading the export.
NAME_COLUMNS = "记录,操作,原状态,新状态,操作人,渠道"
CSV_HEADER = f"{CODE_COLUMNS},{NAME_COLUMNS}"

# The feed's order is (at, record_type, id): at one instant claims ("claim" < "filing") come first, each
# table by id. e1…e9 are written in that numeric order, so ids ascend with the numbers.
ORDER = ["e1", "e3", "e4", "e2", "e5", "e7", "e6", "e8", "e9", "sa", "sb"]


def masked(id_number: str) -> str:
    return id_number[:6] + "********" + id_number[-4:]


@dataclass
class Feed:
    alice: object
    bob: object
    fa: object
    fb: object
    ca: object
    cb: object
    names: dict = field(default_factory=dict)  # (record_type, reference, action, at) -> name

    def name(self, row: dict) -> str:
        at = datetime.datetime.fromisoformat(row["at"])
        return self.names[(row["record_type"], row["reference"], row["action"], at)]

    def names_of(self, rows: list[dict]) -> list[str]:
        return [self.name(row) for row in rows]


@pytest.fixture
def feed() -> Feed:
    """Two persons, a filing and a claim each, and the events e1…e9 (plus each claim's submit event: sa, sb).

    | name | table  | record | action            | from → to                          | actor        | channel   | at  |
    | e1   | filing | fa     | submit            | → submitted                        | person:alice | xm_wechat | T0  |
    | e2   | filing | fa     | activate          | submitted → effective              | system       | –         | T1  |
    | e3   | claim  | ca     | request_materials | submitted → materials_incomplete   | staff:alice  | counter   | T1  |
    | e4   | claim  | ca     | submit            | materials_incomplete → submitted   | person:alice | xm_wechat | T1  |
    | e5   | filing | fb     | submit            | → submitted                        | staff:alice  | counter   | T1  |
    | e6   | filing | fb     | approve           | submitted → effective              | staff:bob    | counter   | T2  |
    | e7   | claim  | cb     | approve           | under_review → approved            | staff:bob    | counter   | T2  |
    | e8   | claim  | ca     | reject            | submitted → rejected               | staff:bob    | counter   | T3  |
    | e9   | filing | fa     | revoke            | effective → revoked                | person:alice | mzt_app   | T3  |
    | sa   | claim  | ca     | submit            | → submitted                        | staff:carol  | counter   | now |
    | sb   | claim  | cb     | submit            | → submitted                        | staff:carol  | counter   | now |
    """
    alice, bob = PersonFactory(name="张三"), PersonFactory(name="李四")
    carol = UserFactory(username="carol", role=Role.COUNTER)
    fa, fb = FilingFactory(person=alice), FilingFactory(person=bob)
    ca = ClaimFactory(person=alice, submitted_by=carol)
    cb = ClaimFactory(person=bob, submitted_by=carol)
    me = f"person:{alice.pk}"
    data = Feed(alice=alice, bob=bob, fa=fa, fb=fb, ca=ca, cb=cb)
    specs = [
        ("e1", fa, "submit", "", "submitted", me, "xm_wechat", T0, "", {"destination": "310000"}),
        ("e2", fa, "activate", "submitted", "effective", "system", None, T1, "自助开通，即时生效。", {}),
        (
            "e3",
            ca,
            "request_materials",
            "submitted",
            "materials_incomplete",
            "staff:alice",
            "counter",
            T1,
            "缺票据",
            {},
        ),
        ("e4", ca, "submit", "materials_incomplete", "submitted", me, "xm_wechat", T1, "", {}),
        ("e5", fb, "submit", "", "submitted", "staff:alice", "counter", T1, "", {"destination": "440000"}),
        ("e6", fb, "approve", "submitted", "effective", "staff:bob", "counter", T2, "材料齐全，准予备案", {}),
        (
            "e7",
            cb,
            "approve",
            "under_review",
            "approved",
            "staff:bob",
            "counter",
            T2,
            "审核通过",
            {"payable_amount": "4312.50", "basis_explanation": ["", "入院当日已备案"]},
        ),
        ("e8", ca, "reject", "submitted", "rejected", "staff:bob", "counter", T3, "不符合规定", {}),
        ("e9", fa, "revoke", "effective", "revoked", me, "mzt_app", T3, "回参保地就医", {}),
    ]
    for name, record, action, from_state, to_state, actor, channel, at, reason, changes in specs:
        common = dict(
            action=action,
            from_state=from_state,
            to_state=to_state,
            actor_label=actor,
            channel_id=channel,
            at=at,
            reason=reason,
            changes=changes,
        )
        if record in (fa, fb):
            FilingEventFactory(filing=record, **common)
            data.names[("filing", record.reference, action, at)] = name
        else:
            ClaimEventFactory(claim=record, **common)
            data.names[("claim", record.reference, action, at)] = name
    for name, claim in (("sa", ca), ("sb", cb)):
        submitted = claim.events.get(action="submit", actor_label="staff:carol")
        data.names[("claim", claim.reference, "submit", submitted.at)] = name
    return data


def everything(client, **params) -> list[dict]:
    """Every row of the feed for ``params``, walking the pages."""
    rows, cursor = [], None
    while True:
        response = client.get(URL, {**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content
        page = response.json()
        rows.extend(page["results"])
        cursor = page["next"]
        if cursor is None:
            return rows


# --- order and pages ------------------------------------------------------------------------------------------


def test_one_feed_across_both_tables_in_time_order_claims_first_at_one_instant(auditor, feed):
    response = auditor.get(URL)
    assert response.status_code == 200, response.content
    page = response.json()
    assert page["next"] is None
    assert feed.names_of(page["results"]) == ORDER
    first = page["results"][0]
    assert first == {
        "record_type": "filing",
        "reference": feed.fa.reference,
        "id_number": masked(feed.alice.id_number),
        "action": "submit",
        "from_state": "",
        "to_state": "submitted",
        "actor": f"person:{feed.alice.pk}",
        "channel": "xm_wechat",
        "at": "2025-03-01T09:00:00+08:00",
        "reason": "",
        "changes": {"destination": "310000"},
    }
    assert page["results"][3]["channel"] is None  # e2: the system acted through no channel


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 10])
def test_cursor_pages_together_return_every_event_once_in_order(auditor, feed, size):
    seen, cursor, pages = [], None, 0
    while True:
        response = auditor.get(URL, {"page_size": size, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content
        page = response.json()
        assert 1 <= len(page["results"]) <= size
        seen.extend(feed.names_of(page["results"]))
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
        assert len(page["results"]) == size  # only a full page hands out a cursor
    assert seen == ORDER
    assert pages == -(-len(ORDER) // size)


def test_a_page_ending_exactly_at_the_last_event_has_no_next(auditor, feed):
    assert auditor.get(URL, {"page_size": len(ORDER)}).json()["next"] is None
    page = auditor.get(URL, {"page_size": len(ORDER) - 1}).json()
    assert page["next"] is not None
    last = auditor.get(URL, {"page_size": len(ORDER) - 1, "cursor": page["next"]}).json()
    assert (feed.names_of(last["results"]), last["next"]) == (["sb"], None)


def test_many_events_at_one_instant_in_both_tables_page_without_loss_or_repeat(auditor):
    """Thirty events share one timestamp: the cursor's (record_type, id) keeps pages apart."""
    instant = datetime.datetime(2025, 6, 1, 12, 0, tzinfo=SHANGHAI)
    filing, claim = FilingFactory(), ClaimFactory()
    FilingEvent.objects.bulk_create(
        FilingEvent(filing=filing, action="submit", to_state="submitted", actor_label="system", at=instant)
        for _ in range(16)
    )
    ClaimEvent.objects.bulk_create(
        ClaimEvent(claim=claim, action="submit", to_state="submitted", actor_label="system", at=instant)
        for _ in range(14)
    )
    expected = [
        ("claim", pk) for pk in ClaimEvent.objects.filter(at=instant).order_by("id").values_list("id", flat=True)
    ]
    expected += [
        ("filing", pk) for pk in FilingEvent.objects.filter(at=instant).order_by("id").values_list("id", flat=True)
    ]
    rows = everything(auditor, page_size=4, at_before="2025-06-02T00:00:00+08:00")
    assert len(rows) == 30
    assert [row["record_type"] for row in rows] == [record_type for record_type, _pk in expected]
    assert {row["at"] for row in rows} == {"2025-06-01T12:00:00+08:00"}
    # The selector's own rows carry ids: every one exactly once, in (record_type, id) order.
    streamed = list(selectors.event_stream(filters=selectors.EventFilters(at_before=instant.replace(day=2)), chunk=4))
    assert [(row["record_type"], row["id"]) for row in streamed] == expected


def test_an_event_written_between_pages_is_read_once_at_its_place(auditor, feed):
    first = auditor.get(URL, {"page_size": 5}).json()
    assert feed.names_of(first["results"]) == ORDER[:5]
    late = FilingEventFactory(filing=feed.fb, action="revoke", from_state="effective", to_state="revoked")
    feed.names[("filing", feed.fb.reference, "revoke", late.at)] = "late"
    rest, cursor = [], first["next"]
    while cursor:
        page = auditor.get(URL, {"page_size": 5, "cursor": cursor}).json()
        rest.extend(feed.names_of(page["results"]))
        cursor = page["next"]
    assert rest == [*ORDER[5:], "late"]


def test_cursor_pages_keep_the_filters(auditor, feed):
    rows = everything(auditor, record_type="claim", page_size=2)
    assert feed.names_of(rows) == ["e3", "e4", "e7", "e8", "sa", "sb"]
    rows = everything(auditor, id_number=feed.alice.id_number, at_before=T3.isoformat(), page_size=1)
    assert feed.names_of(rows) == ["e1", "e3", "e4", "e2"]


@pytest.mark.parametrize("cursor_page", [False, True], ids=["first page", "later page"])
def test_queries_per_page_do_not_grow_with_the_page_size(auditor, django_assert_num_queries, cursor_page):
    filing, claim = FilingFactory(), ClaimFactory()
    start = datetime.datetime(2025, 1, 1, tzinfo=SHANGHAI)
    FilingEvent.objects.bulk_create(
        FilingEvent(filing=filing, action="submit", to_state="submitted", actor_label="system", at=start)
        for _ in range(70)
    )
    ClaimEvent.objects.bulk_create(
        ClaimEvent(claim=claim, action="approve", to_state="approved", actor_label="system", at=start)
        for _ in range(70)
    )
    params = {}
    if cursor_page:
        params["cursor"] = auditor.get(URL, {"page_size": 3}).json()["next"]
    with CaptureQueriesContext(connection) as small:
        response = auditor.get(URL, {**params, "page_size": 5})
    assert len(response.json()["results"]) == 5
    assert len(small.captured_queries) <= 3  # the token, then at most one read per table
    with django_assert_num_queries(len(small.captured_queries)):
        response = auditor.get(URL, {**params, "page_size": 50})
    assert len(response.json()["results"]) == 50


# --- filters ------------------------------------------------------------------------------------------------------

FILTERS = [
    ("record_type=filing", lambda f: {"record_type": "filing"}, ["e1", "e2", "e5", "e6", "e9"]),
    ("record_type=claim", lambda f: {"record_type": "claim"}, ["e3", "e4", "e7", "e8", "sa", "sb"]),
    ("reference of a filing", lambda f: {"reference": f.fa.reference}, ["e1", "e2", "e9"]),
    ("reference of a claim", lambda f: {"reference": f.ca.reference}, ["e3", "e4", "e8", "sa"]),
    ("unknown reference", lambda f: {"reference": "BA20990101999999"}, []),
    ("id_number", lambda f: {"id_number": f.alice.id_number}, ["e1", "e3", "e4", "e2", "e8", "e9", "sa"]),
    ("id_number of the other", lambda f: {"id_number": f.bob.id_number}, ["e5", "e7", "e6", "sb"]),
    ("action in both tables", lambda f: {"action": "approve"}, ["e7", "e6"]),
    ("action=submit", lambda f: {"action": "submit"}, ["e1", "e4", "e5", "sa", "sb"]),
    ("a claim-only action", lambda f: {"action": "request_materials"}, ["e3"]),
    ("actor staff", lambda f: {"actor": "staff:alice"}, ["e3", "e5"]),
    ("actor person", lambda f: {"actor": f"person:{f.alice.pk}"}, ["e1", "e4", "e9"]),
    ("actor system", lambda f: {"actor": "system"}, ["e2"]),
    ("actor is exact", lambda f: {"actor": "staff:ali"}, []),
    ("channel", lambda f: {"channel": "xm_wechat"}, ["e1", "e4"]),
    ("channel counter", lambda f: {"channel": "counter"}, ["e3", "e5", "e7", "e6", "e8", "sa", "sb"]),
    ("from_state", lambda f: {"from_state": "submitted"}, ["e3", "e2", "e6", "e8"]),
    ("to_state", lambda f: {"to_state": "effective"}, ["e2", "e6"]),
    ("to_state of a claim", lambda f: {"to_state": "materials_incomplete"}, ["e3"]),
    ("at_after is inclusive", lambda f: {"at_after": T1.isoformat()}, ORDER[1:]),
    ("at_before is exclusive", lambda f: {"at_before": T1.isoformat()}, ["e1"]),
    (
        "at_after and at_before",
        lambda f: {"at_after": T1.isoformat(), "at_before": T2.isoformat()},
        ["e3", "e4", "e2", "e5"],
    ),
    ("at_after in UTC", lambda f: {"at_after": "2025-03-01T02:00:00Z"}, ORDER[1:]),
    (
        "at_before in another offset",
        lambda f: {"at_before": "2025-03-01T05:00:00+02:00"},
        ["e1", "e3", "e4", "e2", "e5"],
    ),
    ("record_type and action", lambda f: {"record_type": "claim", "action": "approve"}, ["e7"]),
    (
        "several at once",
        lambda f: {"record_type": "filing", "actor": f"person:{f.alice.pk}", "at_after": T3.isoformat()},
        ["e9"],
    ),
]


@pytest.mark.parametrize("params, expected", [(p, e) for _n, p, e in FILTERS], ids=[n for n, _p, _e in FILTERS])
def test_each_filter_selects_its_events_in_feed_order(auditor, feed, params, expected):
    response = auditor.get(URL, params(feed))
    assert response.status_code == 200, response.content
    assert feed.names_of(response.json()["results"]) == expected


def test_id_number_filter_takes_a_lower_case_x(auditor):
    person = PersonFactory(id_number="11010519491231002X")
    filing = FilingFactory(person=person)
    FilingEventFactory(filing=filing)
    rows = auditor.get(URL, {"id_number": "11010519491231002x"}).json()["results"]
    assert [(row["reference"], row["id_number"]) for row in rows] == [(filing.reference, "110105********002X")]


# --- who may read it ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_auditors_and_administrators_read_the_feed(client_for, role):
    response = client_for(role=role).get(URL)
    assert response.status_code == 200
    assert response.json() == {"next": None, "results": []}


@pytest.mark.parametrize("caller", ["counter", "reviewer", "person", "hospital", "channel"])
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_everyone_else_is_refused_403(client_for, hospital, caller, fmt):
    client = {
        "counter": lambda: client_for(role=Role.COUNTER),
        "reviewer": lambda: client_for(role=Role.REVIEWER),
        "person": lambda: client_for(person=PersonFactory()),
        "hospital": lambda: hospital,
        "channel": lambda: client_for(channel="xm_wechat"),
    }[caller]()
    assert client.get(URL, {"format": fmt}).status_code == 403
    assert client.get("/api/v1/audit/access/").status_code == 403


@pytest.mark.parametrize("path", [URL, f"{URL}?format=csv", "/api/v1/audit/access/"])
def test_anonymous_callers_are_asked_to_authenticate(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 401


# --- bad input --------------------------------------------------------------------------------------------------------

BAD = [
    ({"record_type": "person"}, "record_type"),
    ({"action": "delete"}, "action"),
    ({"from_state": "lost"}, "from_state"),
    ({"to_state": "gone"}, "to_state"),
    ({"at_after": "yesterday"}, "at_after"),
    ({"at_after": "2025-13-01T00:00:00+08:00"}, "at_after"),
    ({"at_before": "2025-02-30T00:00:00+08:00"}, "at_before"),
    ({"at_before": "not a date"}, "at_before"),
    ({"at_after": T2.isoformat(), "at_before": T1.isoformat()}, "at_before"),
    ({"at_after": T1.isoformat(), "at_before": T1.isoformat()}, "at_before"),
    ({"page_size": 0}, "page_size"),
    ({"page_size": 501}, "page_size"),
    ({"page_size": "many"}, "page_size"),
    ({"reference": "B" * 21}, "reference"),
]


@pytest.mark.parametrize("params, name", BAD, ids=[name + ":" + str(list(p.values())[-1]) for p, name in BAD])
def test_bad_filters_are_a_400_naming_the_field(auditor, params, name):
    response = auditor.get(URL, params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert name in body["errors"]


def b64(value) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


MALFORMED_CURSORS = {
    "not base64": "!!!",
    "base64 of garbage": b64(b"\xff\xfe not json"),
    "not a list": b64({"at": "2025-03-01T09:00:00+08:00"}),
    "two items": b64(["2025-03-01T09:00:00+08:00", "claim"]),
    "unknown record type": b64(["2025-03-01T09:00:00+08:00", "person", 1]),
    "naive time": b64(["2025-03-01T09:00:00", "claim", 1]),
    "not a time": b64(["yesterday", "claim", 1]),
    "id not a number": b64(["2025-03-01T09:00:00+08:00", "claim", "one"]),
    "non-ASCII": "游标",
    "too long": "A" * 201,
}


@pytest.mark.parametrize("cursor", MALFORMED_CURSORS.values(), ids=MALFORMED_CURSORS.keys())
def test_a_malformed_cursor_is_a_400_invalid_cursor(auditor, cursor):
    response = auditor.get(URL, {"cursor": cursor})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] in {"invalid_cursor", "invalid"}
    assert "cursor" in body["errors"]
    if cursor != "A" * 201:  # the length limit is the query's own check
        assert body["code"] == "invalid_cursor"


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_cursor_at_the_edge_of_time_is_never_a_500(auditor, at):
    """PostgreSQL holds such instants (the page simply starts there); SQLite must refuse the cursor, not crash."""
    FilingEventFactory()
    response = auditor.get(URL, {"cursor": b64([at, "claim", 1])})
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert response.json()["code"] == "invalid_cursor"


def test_unknown_query_parameters_change_nothing(auditor, feed):
    assert feed.names_of(auditor.get(URL, {"colour": "blue"}).json()["results"]) == ORDER


# --- CSV ----------------------------------------------------------------------------------------------------------


def csv_of(response) -> tuple[bytes, list[dict]]:
    content = b"".join(response.streaming_content)
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return content, list(csv.DictReader(io.StringIO(text[1:])))


def as_csv(row: dict) -> dict:
    """A JSON row of the feed as the CSV shows it."""
    return {
        **{name: value for name, value in row.items() if name not in ("channel", "changes")},
        "channel": row["channel"] or "",
        "changes": row["changes"],
    }


@pytest.mark.parametrize(
    "params",
    [{"record_type": "claim", "action": "approve"}, {"action": "approve"}, {"actor": "staff:bob"}, {}],
    ids=["record_type=claim&action=approve", "action=approve", "actor=staff:bob", "everything"],
)
def test_csv_export_has_the_rows_of_the_json_feed(auditor, feed, params):
    response = auditor.get(URL, {**params, "format": "csv"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "charset=utf-8" in response["Content-Type"].lower()
    assert re.fullmatch(r'attachment; filename="events-\d{8}\.csv"', response["Content-Disposition"])
    content, rows = csv_of(response)
    assert content.startswith(b"\xef\xbb\xbf" + CSV_HEADER.encode() + b"\r\n")
    expected = everything(auditor, **params)
    assert expected  # each filter selects something
    codes = CODE_COLUMNS.split(",")
    as_coded = [{name: row[name] for name in codes} for row in rows]
    assert [{**row, "changes": json.loads(row["changes"])} for row in as_coded] == [as_csv(row) for row in expected]


def test_csv_rows_name_what_their_codes_mean(auditor, feed):
    """Codes for machines, then names for people: the kind, the action, the states, who acted, the channel."""
    _content, rows = csv_of(auditor.get(URL, {"record_type": "claim", "action": "approve", "format": "csv"}))
    (row,) = rows
    assert (row["记录"], row["操作"], row["原状态"], row["新状态"]) == (
        "手工报销申请",
        "审核通过",
        "审核中",
        "审核通过",
    )
    assert (row["actor"], row["操作人"], row["channel"], row["渠道"]) == ("staff:bob", "bob", "counter", "医保经办窗口")


def test_csv_rows_mask_id_numbers_and_keep_chinese_text(auditor, feed):
    response = auditor.get(URL, {"record_type": "claim", "action": "approve", "format": "csv"})
    content, rows = csv_of(response)
    assert len(rows) == 1
    (row,) = rows
    assert row["reference"] == feed.cb.reference
    assert row["id_number"] == masked(feed.bob.id_number)
    assert row["actor"] == "staff:bob"
    assert row["at"] == "2025-03-01T11:00:00+08:00"  # Asia/Shanghai
    assert row["reason"] == "审核通过"
    assert json.loads(row["changes"]) == {"payable_amount": "4312.50", "basis_explanation": ["", "入院当日已备案"]}
    text = content.decode("utf-8")
    assert "入院当日已备案" in text and "\\u" not in text  # not escaped
    assert not FULL_ID.search(text)
    assert feed.bob.id_number not in text


def test_csv_of_everything_masks_every_id_number(auditor, feed):
    content, rows = csv_of(auditor.get(URL, {"format": "csv"}))
    assert len(rows) == len(ORDER)
    assert {row["id_number"] for row in rows} == {masked(feed.alice.id_number), masked(feed.bob.id_number)}
    assert not FULL_ID.search(content.decode("utf-8"))


def test_the_export_operation_answers_the_same_csv_and_refuses_in_json(auditor, counter, feed):
    """exportAuditEvents (its own path, one answer type) streams what ``?format=csv`` streamed; errors stay JSON."""
    params = {"record_type": "claim", "action": "approve"}
    exported = auditor.get(f"{URL}csv/", params)
    assert exported["Content-Type"].startswith("text/csv")
    assert csv_of(exported)[1] == csv_of(auditor.get(URL, {**params, "format": "csv"}))[1]
    assert len(csv_of(auditor.get(f"{URL}csv/"))[1]) == len(ORDER)
    refused = auditor.get(f"{URL}csv/", {"action": "dance"})
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid")
    assert refused["Content-Type"] == "application/json"
    assert counter.get(f"{URL}csv/").status_code == 403


def test_csv_ignores_page_size_and_cursor_and_streams_every_row(auditor, feed):
    cursor = auditor.get(URL, {"page_size": 2}).json()["next"]
    _content, rows = csv_of(auditor.get(URL, {"format": "csv", "page_size": 2, "cursor": cursor}))
    assert len(rows) == len(ORDER)


def test_csv_stream_reads_in_chunks_through_ties(feed):
    """The export walks the feed page by page; chunk edges fall inside the events sharing T1."""
    everything_once = [
        (row["record_type"], row["id"]) for row in selectors.event_stream(filters=selectors.EventFilters())
    ]
    for chunk in (1, 2, 3):
        rows = selectors.event_stream(filters=selectors.EventFilters(), chunk=chunk)
        assert [(row["record_type"], row["id"]) for row in rows] == everything_once
    assert len(everything_once) == len(ORDER)


def test_csv_with_a_bad_filter_is_a_400_naming_it(auditor):
    response = auditor.get(URL, {"format": "csv", "action": "delete"})
    assert response.status_code == 400


def test_csv_errors_are_answered_in_the_documented_json_format(auditor, counter):
    response = auditor.get(URL, {"format": "csv", "action": "delete"})
    assert response["Content-Type"].startswith("application/json")
    assert "action" in response.json()["errors"]
    assert counter.get(URL, {"format": "csv"}).json()["code"] == "permission_denied"
