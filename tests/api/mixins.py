"""Shared API contract checks, after NetBox's ``utilities/testing/api.py``: one mixin per kind of endpoint.

An endpoint's test class subclasses the mixins that fit it and declares only data: its URL,
how to build the record the URL names, a valid and an invalid body, and ``callers``, the
status each kind of caller gets with the valid body. ``tests/api/conftest.py`` turns that
table into one test per caller (``who``, ``expected``). Every mixin then checks, for every
caller, both bodies:

- a caller who may act gets the success status with the valid body, and 400 in the one error
  format naming the bad field with the invalid one (and nothing is written by the invalid one);
- a caller who may not gets exactly the same 401, 403 or 404 with either body (authorisation
  comes before validation), in the error format, and nothing is written.

The callers (``CALLERS``): no credentials; the person who owns the record (a session opened by
the xm_wechat channel); another person; the xm_wechat backend's own key (it only opens person
sessions and reads reference data); a hospital's key; and staff in each role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from rest_framework.test import APIClient

from accounts.models import PersonSession
from filings.models import Filing, FilingEvent, FilingMaterial
from registry.models import Person
from reimbursements.models import Claim, ClaimEvent, ClaimMaterial
from tests.factories import PDF, PersonFactory, channel_key, person_token, referring_hospital, staff_token

CALLERS = ("anonymous", "owner", "stranger", "channel", "hospital", "counter", "reviewer", "auditor", "admin")
STAFF = ("counter", "reviewer", "auditor", "admin")
ERROR_KEYS = {"code", "message", "errors"}
# Rows whose number must not change when a request is refused or invalid.
WATCHED: tuple[type[Model], ...] = (
    Person,
    PersonSession,
    Filing,
    FilingEvent,
    FilingMaterial,
    Claim,
    ClaimEvent,
    ClaimMaterial,
    ClaimMaterial.history.model,
)


# --- who gets what: the caller tables the contract tests share ------------------------------------------

# Records persons own: staff reach all of them, a person their own (listing answers 200 to anyone able to
# read; another person's record is a 404); channel and hospital keys reach none.
READ_OWN = {
    "anonymous": 401,
    "owner": 200,
    "stranger": 200,
    "channel": 403,
    "hospital": 403,
    "counter": 200,
    "reviewer": 200,
    "auditor": 200,
    "admin": 200,
}
READ_OWN_RECORD = {**READ_OWN, "stranger": 404}
# The person's own actions (withdraw, revoke, resubmit, upload): the owner, counter staff, administrators.
ACT_FOR_PERSON = {**READ_OWN_RECORD, "reviewer": 403, "auditor": 403}
# Counter work (ask for materials, set a checklist status): counter staff and administrators.
COUNTER_WORK = {who: 403 for who in READ_OWN} | {"anonymous": 401, "counter": 200, "admin": 200}
# Decisions: reviewers and administrators; everyone else is refused before any lookup.
DECIDE = {who: 403 for who in READ_OWN} | {"anonymous": 401, "reviewer": 200, "admin": 200}
REASON_TOO_LONG = {"reason": "理" * 501}


def client_as(who: str, *, owner: Person) -> APIClient:
    """An API client for one kind of caller; ``owner`` is the person the test's record belongs to."""
    client = APIClient()
    if who == "anonymous":
        return client
    if who == "owner":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {person_token(owner, 'xm_wechat')}")
    elif who == "stranger":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {person_token(PersonFactory(), 'xm_wechat')}")
    elif who == "channel":
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {channel_key('xm_wechat')}")
    elif who == "hospital":
        key = channel_key("hospital", institution=referring_hospital())
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    elif who in STAFF:
        _user, token = staff_token(who)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    else:
        raise ValueError(f"unknown caller {who!r}; known: {', '.join(CALLERS)}")
    return client


def pdf_upload(content: bytes = PDF, name: str = "doc.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def assert_error_body(response, *, field: str | None = None) -> dict:
    """The one error format; ``field``, when given, is among the fields named."""
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert isinstance(body["errors"], dict), body
    if field is not None:
        assert field in body["errors"], body
    return body


@dataclass
class Scene:
    """What one test works on: the person who owns the record, and the record the URL names."""

    owner: Person
    record: Any = None


class APIContract:
    """The base of every endpoint's contract: where it is, what it acts on, who may call it.

    Declare ``url`` (the collection, ending in "/"), ``callers`` (caller → status with the valid
    body), ``success`` (the status of a caller who may act), and override ``make_record`` when
    the endpoint names a record. ``lookup_field`` is the record's key in URLs and answers.
    """

    url: ClassVar[str]
    callers: ClassVar[dict[str, int]]
    success: ClassVar[int] = 200
    method: ClassVar[str] = "get"
    format: ClassVar[str | None] = "json"
    lookup_field: ClassVar[str] = "reference"
    unknown_key: ClassVar[str] = "BA20000101999999"
    # What a caller who may act gets with the invalid request, and the field the error names.
    invalid_status: ClassVar[int] = 400
    invalid_field: ClassVar[str | None] = None

    # --- the data a subclass declares or overrides ---------------------------------------------

    def make_owner(self) -> Person:
        return PersonFactory()

    def make_record(self, owner: Person) -> Any:
        return None

    def lookup_value(self, record) -> str:
        return str(getattr(record, self.lookup_field))

    def path(self, scene: Scene, *, valid: bool = True) -> str:
        return self.url

    def payload(self, who: str, scene: Scene, *, valid: bool = True) -> dict | None:
        return None

    # --- the walk -------------------------------------------------------------------------------

    def scene(self) -> Scene:
        owner = self.make_owner()
        return Scene(owner=owner, record=self.make_record(owner))

    def send(self, client: APIClient, who: str, scene: Scene, *, valid: bool = True):
        path, data = self.path(scene, valid=valid), self.payload(who, scene, valid=valid)
        if self.method == "get":
            return client.get(path, data)
        return getattr(client, self.method)(path, data, format=self.format)

    def snapshot(self, scene: Scene) -> tuple:
        """What a refused or invalid request must leave as it was: row counts, and the record's version."""
        counts = tuple(model.objects.count() for model in WATCHED)
        version = None
        if isinstance(scene.record, Model) and hasattr(scene.record, "version"):
            version = type(scene.record).objects.filter(pk=scene.record.pk).values_list("version", flat=True).first()
        return counts, version

    def may_act(self, expected: int) -> bool:
        return expected == self.success

    def walk(self, who: str, expected: int, *, valid: bool):
        """Send the request as ``who``; check the status, the error format, and that refusals write nothing."""
        scene = self.scene()
        client = client_as(who, owner=scene.owner)
        before = self.snapshot(scene)
        response = self.send(client, who, scene, valid=valid)
        if valid:
            assert response.status_code == expected, response.content
            if self.may_act(expected):
                self.check_success(response, who=who, scene=scene)
                return response
            assert_error_body(response)
        else:
            want = self.invalid_status if self.may_act(expected) else expected
            assert response.status_code == want, response.content
            assert_error_body(response, field=self.invalid_field if want == 400 else None)
        assert self.snapshot(scene) == before, "a refused or invalid request wrote something"
        return response

    def check_success(self, response, *, who: str, scene: Scene) -> None:
        """What a successful answer must show; each mixin adds its own checks."""


class ListObjectsContract(APIContract):
    """GET the collection: paginated, scoped (a person sees only their own), and filters validated.

    ``list_query`` narrows the list so the record is on the first page; ``invalid_query`` is a
    filter value the filter set refuses (``invalid_field`` names it). ``hidden_from`` are the
    callers who get 200 without seeing the record.
    """

    list_query: ClassVar[dict] = {}
    invalid_query: ClassVar[dict]
    hidden_from: ClassVar[frozenset[str]] = frozenset({"stranger"})

    def payload(self, who, scene, *, valid=True):
        return dict(self.list_query) if valid else {**self.list_query, **self.invalid_query}

    @property
    def invalid_field(self) -> str:  # type: ignore[override]
        return next(iter(self.invalid_query))

    def check_success(self, response, *, who, scene):
        body = response.json()
        assert {"count", "next", "previous", "results"} <= set(body), body
        keys = {str(row[self.lookup_field]) for row in body["results"]}
        if scene.record is not None:
            assert (self.lookup_value(scene.record) in keys) == (who not in self.hidden_from), keys

    def test_list_objects(self, who, expected):
        self.walk(who, expected, valid=True)

    def test_list_objects_with_invalid_filter(self, who, expected):
        self.walk(who, expected, valid=False)


class GetObjectContract(APIContract):
    """GET one record: its fields for those who may read it; a key that names nothing is a 404 for them.

    ``detail_fields`` must all be in the answer.
    """

    detail_fields: ClassVar[frozenset[str]] = frozenset()
    invalid_status = 404
    detail_suffix: ClassVar[str] = ""

    def path(self, scene, *, valid=True):
        key = self.lookup_value(scene.record) if valid else self.unknown_key
        return f"{self.url}{key}/{self.detail_suffix}"

    def check_success(self, response, *, who, scene):
        body = response.json()
        assert body[self.lookup_field] == getattr(scene.record, self.lookup_field), body
        assert self.detail_fields <= set(body), sorted(self.detail_fields - set(body))

    def test_get_object(self, who, expected):
        self.walk(who, expected, valid=True)

    def test_get_unknown_object(self, who, expected):
        self.walk(who, expected, valid=False)


class QueryContract(APIContract):
    """GET with query parameters (eligibility, requirements): an answer for those allowed, 400 for a bad question."""

    query: ClassVar[dict]
    invalid_query: ClassVar[dict]
    answer_fields: ClassVar[frozenset[str]] = frozenset()

    def payload(self, who, scene, *, valid=True):
        return self.query_for(scene) if valid else {**self.query_for(scene), **self.invalid_query}

    def query_for(self, scene: Scene) -> dict:
        return dict(self.query)

    @property
    def invalid_field(self) -> str:  # type: ignore[override]
        return next(iter(self.invalid_query))

    def check_success(self, response, *, who, scene):
        assert self.answer_fields <= set(response.json()), response.json()

    def test_query(self, who, expected):
        self.walk(who, expected, valid=True)

    def test_invalid_query(self, who, expected):
        self.walk(who, expected, valid=False)


class WriteContract(APIContract):
    """A request with a body. ``body`` is valid; ``invalid`` overrides fields of it to make it invalid.

    ``invalid_field`` defaults to the first key of ``invalid``. Override ``valid_body`` when the
    valid body depends on the caller or the record.
    """

    method = "post"
    body: ClassVar[dict] = {}
    invalid: ClassVar[dict]

    def valid_body(self, who: str, scene: Scene) -> dict:
        return dict(self.body)

    def payload(self, who, scene, *, valid=True):
        body = self.valid_body(who, scene)
        if not valid:
            body.update(self.invalid)
        return body

    @property
    def invalid_field(self) -> str:  # type: ignore[override]
        return next(iter(self.invalid))


class CreateObjectContract(WriteContract):
    """POST to the collection: one ``model`` row more for those who may create; nothing for anyone else."""

    model: ClassVar[type[Model]]
    success = 201

    def send(self, client, who, scene, *, valid=True):
        self._count_before = self.model.objects.count()
        return super().send(client, who, scene, valid=valid)

    def check_success(self, response, *, who, scene):
        assert self.model.objects.count() == self._count_before + 1
        assert self.lookup_field in response.json(), response.json()

    def test_create_object(self, who, expected):
        self.walk(who, expected, valid=True)

    def test_create_object_with_invalid_body(self, who, expected):
        self.walk(who, expected, valid=False)


class DetailWriteContract(WriteContract):
    """A write to one record's URL (``action`` appended, e.g. "approve/"); the record is re-read after success."""

    action: ClassVar[str] = ""

    def path(self, scene, *, valid=True):
        return f"{self.url}{self.lookup_value(scene.record)}/{self.action}"


class UpdateObjectContract(DetailWriteContract):
    """PATCH one record: the changed fields and a new version for those who may; nothing otherwise."""

    method = "patch"

    def check_success(self, response, *, who, scene):
        old_version = scene.record.version
        scene.record.refresh_from_db()
        assert scene.record.version == old_version + 1
        for name, value in self.body.items():
            assert response.json()[name] == value

    def test_update_object(self, who, expected):
        self.walk(who, expected, valid=True)

    def test_update_object_with_invalid_body(self, who, expected):
        self.walk(who, expected, valid=False)


class ActionContract(DetailWriteContract):
    """POST an action on one record (a transition, a change, a checklist item, an upload).

    When ``expected_state`` is set, success leaves the record in it, with the transition's event
    (``expected_event``, the action) as its latest.
    """

    expected_state: ClassVar[str | None] = None
    expected_event: ClassVar[str | None] = None

    def check_success(self, response, *, who, scene):
        record = scene.record
        record.refresh_from_db()
        if self.expected_state is not None:
            assert record.state == self.expected_state
            latest = record.events.order_by("-id").first()
            assert (latest.action, latest.to_state) == (self.expected_event, self.expected_state)

    def test_action(self, who, expected):
        self.walk(who, expected, valid=True)

    def test_action_with_invalid_body(self, who, expected):
        self.walk(who, expected, valid=False)


class PinnedQueriesContract:
    """The number of SQL queries one successful request takes, pinned per caller in ``num_queries``.

    Mixed into a contract class; the request is that class's valid one. A new query (an N+1,
    a forgotten ``select_related``) fails here first.
    """

    num_queries: ClassVar[dict[str, int]]

    def test_num_queries(self, queries_who, queries, django_assert_num_queries):
        scene = self.scene()
        client = client_as(queries_who, owner=scene.owner)
        with django_assert_num_queries(queries):
            response = self.send(client, queries_who, scene, valid=True)
        assert response.status_code == self.success, response.content
