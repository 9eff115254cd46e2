"""Personal data has no side doors (issue 23; SPEC §6): a test that walks every path.

One loaded world is built once for the module, through the API and the services as in real life: an
insured person whose ID number, social security card, phone, filings' contact phones, agents' ID
numbers and claims' bank accounts are all set, and whose records carry full identifiers (another
person's ID number, a mobile number, a bank card; grouped, dashed and full-width) in every free text
that people type — transition reasons, checklist reasons, referral texts, reveal reasons, the source
of an amount settled elsewhere — plus events and a reveal record written before free text was masked.

Then every path renders that world for every kind of reader, and no rendering may hold any of those
identifiers in full:

(a) every GET endpoint of the URL conf (the API under /api/v1/, its schema), with the world's
    references, ids and codes, and the query strings that search by a personal number; as JSON, and
    for staff as the browsable API's HTML page too (whose links may repeat the page's own address:
    only that echo of what the request itself carried is let through);
(b) every page of every registered model admin — list (searched), change page of each loaded object,
    history, past versions, add, delete, and each admin's own views (reveal forms, CSV exports, task
    forms, documents) — and the site's own pages (index, app lists, autocomplete);
(c) every CSV export (they are admin views and an API format: read through (a) and (b), and a test
    checks each of them was read with 200 by an auditor);
(d) every notification the world produced: the rows, the feed (a), and the signed bodies POSTed to
    the channels' webhooks;
(e) the log, as production writes it (every record at DEBUG through the console handler's filters),
    of all of the above, and the request lines of gunicorn's access log and of ``runserver`` whose
    query strings name a person by a grouped, percent-encoded or full-width number.

A rendering leaks when, read as a person reads it (Unicode NFKC, percent-decoded, spaces and dashes
between digits dropped), it contains the digits of an identifier in full. Masked forms never do
(``350203********0312`` breaks the run).

Who may read what in full — decided from SPEC §6 and ``registry.masking.reader_may_see``:

- staff of every role, channel keys, hospital keys and anonymous callers: nothing; a full value is
  shown only by a reveal that names its purpose and writes a ``PersonDataAccess`` row (the last
  tests check that this one exception works and is logged);
- the person (a session of theirs), per field: their own ID number (= social security number),
  social security card number and phone (``reader_may_see``: the person the values belong to); their
  filings' contact phones, and the ID number of the agent they appointed on a filing (the filing's
  history shows its changes unmasked to the person it belongs to). Not their claims' bank accounts
  nor a claim's agent's ID number: those are masked for every reader, the claimant included, and
  read only through the reveal of the roles that pay. Never another person's number, and never a
  number typed into free text (masked when stored: nobody reads it in full);
- another person: only their own values.

A failure names the reader and the path, and lists each identifier found with the text around it.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, unquote, urlencode

import openpyxl
import pytest
from django.contrib import admin
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from gunicorn.config import Config as GunicornConfig
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import PersonSession
from accounts.services import channel_webhook_set
from config.logging import logging_config
from filings.models import Filing, FilingMaterial, FilingReviewQueue
from notifications import services as notification_services
from notifications.choices import NotificationKind
from notifications.jobs import JOBS
from notifications.models import Notification, OverdueReview
from registry.masking import PERSONAL_FIELDS, mask_bank_account, mask_free_text, mask_id_number, mask_phone
from registry.models import ChronicQualification, InsuredPeriod, Person, PersonDataAccess
from reimbursements import services as claim_services
from reimbursements.models import Claim, ClaimMaterial, ClaimReviewQueue, PoolUsageElsewhere
from tests.factories import (
    PDF,
    ChronicQualificationFactory,
    ClaimEventFactory,
    ClaimRequestFactory,
    FilingEventFactory,
    FilingRequestFactory,
    PersonFactory,
    UserFactory,
    channel_key,
    filing_attach_required_documents,
    full_width,
    grouped,
    luhn_card_number,
    person_token,
    referring_hospital,
    staff_token,
    valid_id_number,
)
from tests.notifications.receiver import Receiver

pytestmark = pytest.mark.django_db
GUNICORN_CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"

# --- the identifiers of the loaded world ---------------------------------------------------------------------

OWNER_ID = valid_id_number(9_012_345)  # 张三: his ID number, which is also his social security number
OTHER_ID = valid_id_number(12_345_678)  # 李小红, another insured person; also typed into free text
FILING_AGENT_ID = valid_id_number(15_678_901)  # who filed for 张三 at the counter (proxy_id_number)
CLAIM_AGENT_ID = valid_id_number(20_111_222)  # who claims for 张三 (the claim's proxy_id_number)
OWNER_CARD_OLD, OWNER_CARD = "D35020077613", "D35020077614"  # social security card numbers (before, after)
OWNER_PHONE_OLD, OWNER_PHONE = "13859207741", "13859207742"  # the person's phone (before, after a change)
OTHER_PHONE = "13705921188"
CONTACT_PHONE, CONTACT_PHONE_NEW = "15080901234", "15080905678"  # a filing's contact phone, corrected
OWNER_BANK = luhn_card_number("621661059207731842")  # the claims' bank account (19 digits, Luhn)
OWNER_BANK_2 = luhn_card_number("622848059207700315")  # the account of a claim he filed himself
TYPED_MOBILE = "18650123456"
TYPED_CARD = luhn_card_number("622202123456789012")

SECRETS: dict[str, str] = {
    "owner id_number": OWNER_ID,
    "other person's id_number": OTHER_ID,
    "filing proxy_id_number": FILING_AGENT_ID,
    "claim proxy_id_number": CLAIM_AGENT_ID,
    "owner social_security_card (old)": OWNER_CARD_OLD,
    "owner social_security_card": OWNER_CARD,
    "owner phone (old)": OWNER_PHONE_OLD,
    "owner phone": OWNER_PHONE,
    "other person's phone": OTHER_PHONE,
    "contact_phone": CONTACT_PHONE,
    "contact_phone (corrected)": CONTACT_PHONE_NEW,
    "bank_account": OWNER_BANK,
    "bank_account (own claim)": OWNER_BANK_2,
    "mobile typed into free text": TYPED_MOBILE,
    "card typed into free text": TYPED_CARD,
}
# Every personal field of the policy is loaded with one of the identifiers above (the test of the
# world checks it): a field added to PERSONAL_FIELDS needs a value here too.
LOADED_FIELDS = {
    "id_number": OWNER_ID,
    "social_security_card": OWNER_CARD,
    "phone": OWNER_PHONE,
    "contact_phone": CONTACT_PHONE_NEW,
    "proxy_id_number": FILING_AGENT_ID,
    "bank_account": OWNER_BANK,
}

# What a reader may read in full (see the module's docstring); every other reader: nothing.
MAY_SEE: dict[str, frozenset[str]] = {
    "owner": frozenset(
        {
            "owner id_number",
            "filing proxy_id_number",
            "owner social_security_card (old)",
            "owner social_security_card",
            "owner phone (old)",
            "owner phone",
            "contact_phone",
            "contact_phone (corrected)",
        }
    ),
    "other_person": frozenset({"other person's id_number", "other person's phone"}),
}


def typed(what: str) -> str:
    """Free text as staff and persons type it, full identifiers in every way they are written."""
    return (
        f"{what}：身份证 {OTHER_ID}，电话 {grouped(TYPED_MOBILE, 4, '-')}，卡号 {grouped(TYPED_CARD)}，"
        f"全角证件 {full_width(OTHER_ID)}，全角手机 {full_width(TYPED_MOBILE)}"
    )


# --- finding an identifier in whatever was rendered ------------------------------------------------------------

_BETWEEN_DIGITS = re.compile(r"(?<=[0-9])[\s\-\u00a0\u2010-\u2015+]+(?=[0-9Xx])")


def digits_of(value: str) -> str:
    return re.sub(r"[^0-9X]", "", unicodedata.normalize("NFKC", value).upper())


SECRET_DIGITS = {label: digits_of(value) for label, value in SECRETS.items()}


_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def readable(text: str) -> str:
    """``text`` as a reader reads it: JSON escapes and percent-encoding decoded, NFKC (full-width digits as
    digits), digits no longer grouped."""
    text = _JSON_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)
    text = unicodedata.normalize("NFKC", unquote(unicodedata.normalize("NFKC", text)))
    return _BETWEEN_DIGITS.sub("", text).upper()


def leaks(text: str, reader: str) -> list[str]:
    """Each identifier ``reader`` may not read that ``text`` holds in full, with what surrounds it."""
    flat = readable(text)
    allowed = MAY_SEE.get(reader, frozenset())
    found = []
    for label, digits in SECRET_DIGITS.items():
        at = flat.find(digits)
        if label not in allowed and at >= 0:
            context = " ".join(flat[max(at - 80, 0) : at + len(digits) + 20].split())
            found.append(f"{label}: …{context}…")
    return found


def no_leaks(found: list[str], what: str) -> None:
    if found:
        pytest.fail(f"{what}: {len(found)} full identifier(s) outside a logged reveal:\n" + "\n".join(found), False)


def log_leaks(lines: list[str]) -> list[str]:
    """Log lines are read by operators: no identifier of anybody in full."""
    return [f"log line {line[:200]!r}: {leak}" for line in lines for leak in leaks(line, "log")]


def rendered(response) -> str:
    """Everything a response shows its reader: the body (streamed or not; JSON as characters) and headers."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    if "json" in response.get("Content-Type", ""):
        try:
            text = json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            pass
    headers = " ".join(f"{name}: {value}" for name, value in response.items())
    return f"{headers}\n{text}"


# --- the log, as production writes it ---------------------------------------------------------------------------


TEST_TOOLS = ("factory",)  # loggers of the test's own tools (factory_boy logs what it builds)


class ProductionLog(logging.Handler):
    """Every record at DEBUG, formatted after the filters production's console handler applies."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        config = logging_config(level="DEBUG")
        for name in config["handlers"]["console"]["filters"]:
            self.addFilter(import_string(config["filters"][name]["()"])())
        self.levels = {name: conf["level"] for name, conf in config["loggers"].items()}

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(TEST_TOOLS):
            self.lines.append(f"{record.name}: {self.format(record)}")

    def __enter__(self) -> ProductionLog:
        self.saved = {name: logging.getLogger(name).level for name in [*self.levels, ""]}
        for name, level in {**self.levels, "": "DEBUG"}.items():
            logging.getLogger(name).setLevel(level)
        # Loggers that keep their records to themselves (Django's django.server) are read where they write.
        self.attached = [logging.getLogger()] + [
            logger
            for logger in logging.Logger.manager.loggerDict.values()
            if isinstance(logger, logging.Logger) and not logger.propagate
        ]
        for logger in self.attached:
            logger.addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        for logger in self.attached:
            logger.removeHandler(self)
        for name, level in self.saved.items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture
def log():
    with ProductionLog() as handler:
        yield handler


# --- the loaded world ---------------------------------------------------------------------------------------------


@dataclass(repr=False)
class World:
    owner: Person
    other: Person
    filings: dict[str, str]  # name -> reference
    claims: dict[str, str]
    api: dict[str, APIClient]
    admin: dict[str, Client]
    admin_users: dict[str, object]
    answers: dict[str, tuple[str, str]] = field(default_factory=dict)  # step -> (reader, what it answered)
    webhook_bodies: list[bytes] = field(default_factory=list)
    build_log: list[str] = field(default_factory=list)


API_READERS = ["anonymous", "owner", "other_person", "channel", "hospital", *Role.values]
STAFF = list(Role.values)
TODAY = timezone.localdate()


def _api_client(credentials: str | None = None) -> APIClient:
    client = APIClient()
    if credentials:
        client.credentials(HTTP_AUTHORIZATION=credentials)
    return client


class Builder:
    """Makes the world through the API as its readers would, keeping each answer for the answers' test."""

    def __init__(self, api: dict[str, APIClient]):
        self.api = api
        self.answers: dict[str, tuple[str, str]] = {}

    def call(self, step: str, reader: str, method: str, url: str, data=None, *, expect: int, multipart=False):
        client = self.api[reader]
        if method == "get":
            response = client.get(url, data)
        elif multipart:
            response = client.post(url, data, format="multipart")
        else:
            response = client.generic(method.upper(), url, json.dumps(data or {}), content_type="application/json")
        assert response.status_code == expect, f"{step}: {response.status_code} {response.content.decode()[:600]}"
        self.answers[step] = (reader, rendered(response))
        return response.json() if "json" in response.get("Content-Type", "") else None


# The steps that make the world through the API; each answer is read by the one who asked.
BUILD_STEPS = [
    "person create",
    "person update",
    "filing at the counter with an agent",
    "filing contact corrected",
    "filing changed",
    "changed filing revoked",
    "fast-track filing",
    "fast-track document uploaded",
    "fast-track filing rejected",
    "second fast-track filing",
    "second fast-track filing withdrawn",
    "hospital referral",
    "eligibility asked by the hospital",
    "eligibility asked at the counter",
    "other person's fast-track filing",
    "claim at the counter",
    "claim item rejected",
    "claim materials requested",
    "claim document uploaded",
    "claim items received",
    "claim resubmitted",
    "claim items accepted",
    "claim review started",
    "claim approved",
    "claim paid",
    "own claim",
    "own claim rejected",
    "claim to withdraw",
    "claim withdrawn",
    "pending claim at the counter",
    "pending claim item rejected",
]


def _claim_body(*, days_ago: int, serial: int, **fields) -> dict:
    admission = TODAY - datetime.timedelta(days=days_ago)
    discharge = admission + datetime.timedelta(days=5)
    return ClaimRequestFactory(
        admission_date=admission.isoformat(),
        discharge_date=discharge.isoformat(),
        total_amount="9000.00",
        invoices=[{"code": "31000026", "number": f"SD{serial:08d}", "amount": "9000.00", "issued_on": str(discharge)}],
        bank_name="中国银行厦门分行",
        account_holder="张三",
        **fields,
    )


def build_world() -> World:
    cache.clear()  # throttles and guess counts start afresh
    receiver = Receiver().start()
    try:
        for code in ("xm_wechat", "counter", "hospital"):
            channel_webhook_set(code=code, url=receiver.url)
        staff = {role: staff_token(role) for role in STAFF}
        api = {"anonymous": _api_client()}
        api.update({role: _api_client(f"Token {token}") for role, (_user, token) in staff.items()})
        api["channel"] = _api_client(f"Api-Key {channel_key('xm_wechat')}")
        api["hospital"] = _api_client(f"Api-Key {channel_key('hospital', institution=referring_hospital())}")
        build = Builder(api)

        # The person, created and then changed at the counter (his history holds both numbers).
        body = {"id_number": OWNER_ID, "name": "张三", "insurance_type": "employee"}
        body |= {"phone": OWNER_PHONE_OLD, "social_security_card": OWNER_CARD_OLD}
        person_id = build.call("person create", Role.COUNTER, "post", "/api/v1/persons/", body, expect=201)["id"]
        patch = {"phone": OWNER_PHONE, "social_security_card": OWNER_CARD}
        build.call("person update", Role.COUNTER, "patch", f"/api/v1/persons/{person_id}/", patch, expect=200)
        owner = Person.objects.get(pk=person_id)
        other = PersonFactory(id_number=OTHER_ID, name="李小红", phone=OTHER_PHONE)
        api["owner"] = _api_client(f"Bearer {person_token(owner)}")
        api["other_person"] = _api_client(f"Bearer {person_token(other)}")

        filings: dict[str, str] = {}  # name -> reference
        # Filed at the counter by an agent; the contact is corrected, then the filing changed and revoked.
        body = FilingRequestFactory(
            id_number=OWNER_ID,
            contact_name="张三之女",
            contact_phone=CONTACT_PHONE,
            proxy_name="李四",
            proxy_id_number=FILING_AGENT_ID,
            proxy_authorization=True,
            filing_type="long_term_resident",
            proof_basis="commitment",
        )
        ref = build.call(
            "filing at the counter with an agent", Role.COUNTER, "post", "/api/v1/filings/", body, expect=201
        )
        ref = ref["reference"]
        # The daily reminder of the documents it promised, run on a day that announces them.
        due = Filing.objects.get(reference=ref).commitment_due_date
        notification_services.notifications_remind_commitments(today=due - datetime.timedelta(days=5))
        contact = {"contact_phone": CONTACT_PHONE_NEW, "reason": typed("更正联系电话")}
        build.call(
            "filing contact corrected", Role.COUNTER, "post", f"/api/v1/filings/{ref}/contact/", contact, expect=200
        )
        change = {"destination": "330000", "reason": typed("改去杭州")}
        changed = build.call("filing changed", "owner", "post", f"/api/v1/filings/{ref}/change/", change, expect=201)
        filings["counter"], filings["changed"] = ref, changed["reference"]
        url = f"/api/v1/filings/{changed['reference']}/revoke/"
        build.call("changed filing revoked", Role.COUNTER, "post", url, {"reason": typed("回厦门居住")}, expect=200)

        # Fast-track filings of his own: one rejected (after a document uploaded), one withdrawn.
        body = FilingRequestFactory(fast_track=True, contact_phone=CONTACT_PHONE)
        answer = build.call("fast-track filing", "owner", "post", "/api/v1/filings/", body, expect=201)
        ref = filings["rejected"] = answer["reference"]
        for item in [entry["item"] for entry in answer["checklist"] if entry["required"]]:
            upload = {"file": io.BytesIO(PDF)}
            upload["file"].name = f"{item}.pdf"
            url = f"/api/v1/filings/{ref}/materials/{item}/"
            build.call("fast-track document uploaded", "owner", "post", url, upload, expect=201, multipart=True)
        url = f"/api/v1/filings/{ref}/reject/"
        build.call("fast-track filing rejected", Role.REVIEWER, "post", url, {"reason": typed("材料不符")}, expect=200)
        body = FilingRequestFactory(fast_track=True, contact_phone=CONTACT_PHONE)
        ref = build.call("second fast-track filing", "owner", "post", "/api/v1/filings/", body, expect=201)["reference"]
        filings["withdrawn"] = ref
        url = f"/api/v1/filings/{ref}/withdraw/"
        build.call("second fast-track filing withdrawn", "owner", "post", url, {"reason": typed("不去了")}, expect=200)

        # A referral by Xiamen's tertiary hospital, its texts naming other people's numbers: his live filing.
        body = FilingRequestFactory(
            filing_type="referral",
            id_number=OWNER_ID,
            name="张三",
            contact_phone=CONTACT_PHONE,
            referring_institution=referring_hospital().code,
            referral_diagnosis=typed("肺癌")[:200],
            referral_date=TODAY.isoformat(),
            referral_reason=typed("本院无法诊治"),
            referral_opinion=typed("建议转上海"),
        )
        filings["referral"] = build.call("hospital referral", "hospital", "post", "/api/v1/filings/", body, expect=201)[
            "reference"
        ]
        # Hospitals and the counter ask whether he is covered.
        question = {"id_number": OWNER_ID, "city": "310100", "visit": "inpatient"}
        build.call("eligibility asked by the hospital", "hospital", "get", "/api/v1/eligibility/", question, expect=200)
        question = {"id_number": OWNER_ID, "city": "310100", "visit": "outpatient"}
        build.call(
            "eligibility asked at the counter", Role.COUNTER, "get", "/api/v1/eligibility/", question, expect=200
        )
        # The other person's fast-track filing waits in the reviewers' queue, overdue.
        body = FilingRequestFactory(fast_track=True, contact_phone=OTHER_PHONE)
        answer = build.call(
            "other person's fast-track filing", "other_person", "post", "/api/v1/filings/", body, expect=201
        )
        filings["queued"] = answer["reference"]
        queued = Filing.objects.get(reference=filings["queued"])
        filing_attach_required_documents(queued)
        OverdueReview.objects.create(
            record_type="filing", reference=queued.reference, filing=queued, due_on=TODAY, flagged_at=timezone.now()
        )

        # Claims: one at the counter walked from 补正 to payment, one rejected, one withdrawn, one pending.
        claims: dict[str, str] = {}
        agent = {"proxy_name": "王五", "proxy_id_number": CLAIM_AGENT_ID, "proxy_relationship": "配偶"}
        body = _claim_body(days_ago=80, serial=1, id_number=OWNER_ID, bank_account=OWNER_BANK, **agent)
        answer = build.call("claim at the counter", Role.COUNTER, "post", "/api/v1/claims/", body, expect=201)
        ref = claims["paid"] = answer["reference"]
        items = [entry["item"] for entry in answer["materials"]]
        url = f"/api/v1/claims/{ref}/materials/{items[0]}/status/"
        rejection = {"status": "rejected", "reason": typed("发票模糊")}
        build.call("claim item rejected", Role.COUNTER, "post", url, rejection, expect=200)
        url = f"/api/v1/claims/{ref}/request-materials/"
        build.call("claim materials requested", Role.COUNTER, "post", url, {"reason": typed("请补")}, expect=200)
        upload = {"file": io.BytesIO(PDF)}
        upload["file"].name = "发票.pdf"
        url = f"/api/v1/claims/{ref}/materials/{items[0]}/"
        build.call("claim document uploaded", "owner", "post", url, upload, expect=200, multipart=True)
        for item in items[1:]:  # the originals of the rest handed in at the counter
            url = f"/api/v1/claims/{ref}/materials/{item}/status/"
            build.call("claim items received", Role.COUNTER, "post", url, {"status": "received"}, expect=200)
        url = f"/api/v1/claims/{ref}/submit/"
        build.call("claim resubmitted", "owner", "post", url, {"reason": typed("已补交")}, expect=200)
        for item in items:
            url = f"/api/v1/claims/{ref}/materials/{item}/status/"
            build.call("claim items accepted", Role.COUNTER, "post", url, {"status": "accepted"}, expect=200)
        build.call("claim review started", Role.REVIEWER, "post", f"/api/v1/claims/{ref}/start-review/", expect=200)
        build.call("claim approved", Role.REVIEWER, "post", f"/api/v1/claims/{ref}/approve/", expect=200)
        pay = {"payment_reference": f"ZF {OTHER_ID}"}  # a bank's reference naming a person: masked on every way out
        build.call("claim paid", Role.ADMIN, "post", f"/api/v1/claims/{ref}/pay/", pay, expect=200)

        body = _claim_body(days_ago=60, serial=2, bank_account=OWNER_BANK_2)
        ref = claims["rejected"] = build.call("own claim", "owner", "post", "/api/v1/claims/", body, expect=201)[
            "reference"
        ]
        url = f"/api/v1/claims/{ref}/reject/"
        build.call("own claim rejected", Role.REVIEWER, "post", url, {"reason": typed("不符合政策")}, expect=200)
        body = _claim_body(days_ago=40, serial=3, bank_account=OWNER_BANK_2)
        ref = claims["withdrawn"] = build.call(
            "claim to withdraw", "owner", "post", "/api/v1/claims/", body, expect=201
        )["reference"]
        url = f"/api/v1/claims/{ref}/withdraw/"
        build.call("claim withdrawn", "owner", "post", url, {"reason": typed("重复申请")}, expect=200)
        body = _claim_body(days_ago=20, serial=4, id_number=OWNER_ID, bank_account=OWNER_BANK, **agent)
        answer = build.call("pending claim at the counter", Role.COUNTER, "post", "/api/v1/claims/", body, expect=201)
        ref = claims["pending"] = answer["reference"]
        url = f"/api/v1/claims/{ref}/materials/{answer['materials'][0]['item']}/status/"
        build.call("pending claim item rejected", Role.COUNTER, "post", url, rejection, expect=200)

        # A reveal of his numbers, its reason naming others' (stored masked), and records made before
        # free text was masked: an event of each kind and a reveal whose reason holds numbers in full.
        reveal = {"reveal": "id_number,phone", "purpose": "other", "reason": typed("核对")}
        reveal_answer = api[Role.COUNTER].get(f"/api/v1/persons/{owner.pk}/", reveal)
        assert reveal_answer.status_code == 200, reveal_answer.content
        clerk = staff[Role.COUNTER][0]
        PersonDataAccess.objects.create(
            user=clerk, actor_label=f"staff:{clerk.username}", person=owner, field="phone", reason=typed("旧记录")
        )
        referral = Filing.objects.get(reference=filings["referral"])
        FilingEventFactory(
            filing=referral,
            action="correct_contact",
            from_state="effective",
            to_state="effective",
            reason=typed("旧事件"),
            changes={"contact_phone": [CONTACT_PHONE, CONTACT_PHONE_NEW]},
        )
        ClaimEventFactory(
            claim=Claim.objects.get(reference=claims["pending"]),
            action="request_materials",
            from_state="submitted",
            to_state="materials_incomplete",
            reason=typed("旧事件"),
        )
        # Other rows of his: a qualification, an amount settled elsewhere whose source names numbers.
        ChronicQualificationFactory(person=owner)
        lines = io.StringIO()
        writer = csv.writer(lines)
        writer.writerow(claim_services.POOL_USAGE_COLUMNS)
        writer.writerow([OWNER_ID, TODAY.year, "fund", "1200.00", "inpatient", "300.00", typed("结算单")[:200]])
        claim_services.pool_usage_import(lines=io.StringIO(lines.getvalue()), user=staff[Role.ADMIN][0])

        # The reminder of his live filing's end, run on a day that announces it.
        end = Filing.objects.get(reference=filings["referral"]).end_date
        notification_services.notifications_remind_expiring(today=end - datetime.timedelta(days=10))
        # The nightly jobs, as scheduled (they log what they did).
        for job in ("expire_filings", "revoke_overdue_commitments", "revoke_uninsured", "flag_overdue_reviews"):
            JOBS[job]()
        # Every notification goes out to its channel's webhook.
        notification_services.notifications_send()
        webhook_bodies = [request.body for request in receiver.received]
    finally:
        receiver.stop()

    admin_clients, admin_users = {}, {}
    for role in STAFF:
        client = Client()
        admin_users[role] = UserFactory(role=role)
        client.force_login(admin_users[role])
        admin_clients[role] = client
    return World(
        owner=owner,
        other=other,
        filings=filings,
        claims=claims,
        api=api,
        admin=admin_clients,
        admin_users=admin_users,
        answers=build.answers,
        webhook_bodies=webhook_bodies,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """The loaded world, built once for the module in a transaction that is rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        with ProductionLog() as handler:
            loaded = build_world()
        loaded.build_log = handler.lines
        yield loaded
        transaction.set_rollback(True)


def test_the_world_holds_every_personal_field_and_free_text(world):
    owner = world.owner
    filing = Filing.objects.get(reference=world.filings["counter"])
    claim = Claim.objects.get(reference=world.claims["pending"])
    held = {
        "id_number": owner.id_number,
        "social_security_card": owner.social_security_card,
        "phone": owner.phone,
        "contact_phone": filing.contact_phone,
        "proxy_id_number": filing.proxy_id_number,
        "bank_account": claim.bank_account,
    }
    assert set(PERSONAL_FIELDS) == set(LOADED_FIELDS), "a new personal field: load it in the world"
    assert held == LOADED_FIELDS
    assert claim.proxy_id_number == CLAIM_AGENT_ID
    assert set(world.answers) == set(BUILD_STEPS)
    # Free text was typed everywhere and stored masked; the records made before that rule hold it in full.
    referral = Filing.objects.get(reference=world.filings["referral"])
    typed_in = [referral.referral_diagnosis, referral.referral_reason, referral.referral_opinion]
    typed_in += [Filing.objects.get(reference=world.filings[name]).end_reason for name in ("rejected", "withdrawn")]
    typed_in += [Claim.objects.get(reference=world.claims[name]).end_reason for name in ("rejected", "withdrawn")]
    typed_in += [claim.materials.exclude(status_reason="").get().status_reason]
    typed_in += list(PersonDataAccess.objects.filter(person=owner).values_list("reason", flat=True))
    typed_in += list(PoolUsageElsewhere.objects.filter(person=owner).values_list("source", flat=True))
    assert all(OTHER_ID[:6] in text for text in typed_in), typed_in
    assert any(leaks(text, "anonymous") for text in typed_in), "no record made before the rule holds a full number"


@pytest.mark.parametrize(
    "written",
    [
        OWNER_ID,
        grouped(OWNER_ID),
        grouped(OWNER_ID, 6, "-"),
        full_width(OWNER_ID),
        quote(grouped(OWNER_ID)),
        urlencode({"q": grouped(OWNER_ID)}),
        quote(full_width(OWNER_ID)),
        json.dumps(full_width(OWNER_ID)),
    ],
    ids=["plain", "grouped", "dashed", "full-width", "percent-encoded", "plus-encoded", "encoded full-width", "json"],
)
def test_the_detector_finds_a_number_however_it_is_written(written):
    assert [leak.split(":")[0] for leak in leaks(f"<td>{written}</td>", "anonymous")] == ["owner id_number"]
    assert not leaks(f"<td>{written}</td>", "owner")  # his own, for him


def test_the_detector_passes_masked_numbers():
    masked = [mask_id_number(OWNER_ID), mask_phone(OWNER_PHONE), mask_bank_account(OWNER_BANK), typed("原因")]
    assert leaks(" ".join(masked[:3]), "anonymous") == []
    assert leaks(mask_free_text(masked[3]), "anonymous") == []


# --- the answers given while the world was made ----------------------------------------------------------------


@pytest.mark.parametrize("step", BUILD_STEPS)
def test_no_answer_given_while_the_records_were_made_holds_a_full_identifier(world, step):
    reader, text = world.answers[step]
    no_leaks(leaks(text, reader), f"{reader}: the answer to {step!r}")


def test_the_log_of_making_the_records_holds_no_full_identifier(world):
    assert world.build_log, "nothing was logged: the capture is broken"
    no_leaks(log_leaks(world.build_log), "the log while the records were made")


# --- (a) every GET endpoint of the URL conf, for every reader -------------------------------------------------------


def _patterns(patterns, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def _answers_get(pattern: URLPattern) -> bool:
    actions = getattr(pattern.callback, "actions", None)  # a DRF viewset's route
    if actions is not None:
        return "get" in actions
    view_class = getattr(pattern.callback, "view_class", None)
    return view_class is None or hasattr(view_class, "get")


# Every GET route outside the admin (whose pages are walked below), by its URL name.
API_ROUTES = {
    pattern.name: pattern
    for route, pattern in _patterns(get_resolver().url_patterns)
    if not route.startswith("admin/") and _answers_get(pattern)
}


def _route_params(pattern: URLPattern) -> set[str]:
    return set(pattern.pattern.regex.groupindex)


def _api_urls(name: str, world: World) -> list[str]:
    """The route's URL for each loaded record it can name (references, ids, codes, documents)."""
    pattern = API_ROUTES[name]
    params = _route_params(pattern)
    if not params:
        return [reverse(name)]
    filings = Filing.objects.filter(reference__in=world.filings.values())
    claims = Claim.objects.filter(reference__in=world.claims.values())
    if params == {"reference"} and name.startswith("filing-"):
        return [reverse(name, kwargs={"reference": f.reference}) for f in filings]
    if params == {"reference"} and name.startswith("claim-"):
        return [reverse(name, kwargs={"reference": c.reference}) for c in claims]
    if params == {"reference", "item"} and name.startswith("filing-"):
        documents = FilingMaterial.objects.filter(filing__in=filings).select_related("filing")
        pairs = {(d.filing.reference, d.item) for d in documents}
    elif params == {"reference", "item"} and name.startswith("claim-"):
        materials = ClaimMaterial.objects.filter(claim__in=claims).select_related("claim")
        pairs = {(m.claim.reference, m.item) for m in materials}
    elif params == {"pk"} and name.startswith("person-"):
        return [reverse(name, kwargs={"pk": p.pk}) for p in (world.owner, world.other)]
    elif params == {"code"} and name.startswith("region-"):
        return [reverse(name, kwargs={"code": code}) for code in ("310000", "350200")]
    elif params == {"code"} and name.startswith("institution-"):
        return [reverse(name, kwargs={"code": referring_hospital().code})]
    elif params == {"id_number"}:
        return [reverse(name, kwargs={"id_number": value}) for value in (OWNER_ID, OTHER_ID)]
    else:
        pytest.fail(f"{name} takes {sorted(params)}: teach this test which loaded records to name there")
    return [reverse(name, kwargs={"reference": ref, "item": item}) for ref, item in sorted(pairs)]


def _api_queries(name: str, world: World) -> list[dict]:
    """The query strings each route is read with: plain, and searching by personal numbers as typed."""
    at = timezone.localtime().isoformat()
    eligibility = {"city": "310100", "visit": "inpatient"}
    return {
        "eligibility": [
            {"id_number": OWNER_ID, **eligibility},
            {"id_number": grouped(OWNER_ID), **eligibility, "institution": referring_hospital().code},
            {"id_number": OTHER_ID, **eligibility, "date": (TODAY - datetime.timedelta(days=30)).isoformat()},
        ],
        "person-list": [{}, {"id_number": OWNER_ID}, {"name": "张三"}],
        "filing-list": [{}, {"id_number": grouped(OWNER_ID, 6, "-")}, {"state": "effective"}],
        "claim-list": [{}, {"id_number": OWNER_ID}],
        "audit-events": [
            {"page_size": 500},
            {"page_size": 500, "id_number": OWNER_ID},
            {"format": "csv"},
            {"format": "csv", "id_number": OWNER_ID},
        ],
        "audit-person-as-of": [{"at": at}, {"at": at, **eligibility}],
        "notifications": [{"page_size": 200}],
        "requirements": [{"claim_kind": "inpatient"}, {"filing_type": "referral"}],
    }.get(name, [{}])


def _echoed(address: str) -> set[str]:
    """The identifiers a request itself carries: a page may link back to its own address."""
    return {label.split(":", 1)[0] for label in leaks(address, "anonymous")}


@pytest.mark.parametrize("reader", API_READERS)
@pytest.mark.parametrize("route", sorted(API_ROUTES))
def test_no_api_answer_holds_a_full_identifier(world, log, route, reader):
    """JSON as asked, and for staff the browsable API's HTML page too (whose links repeat its own address)."""
    client = world.api[reader]
    found = []
    for url in _api_urls(route, world):
        for index, query in enumerate(_api_queries(route, world)):
            address = f"GET {url}?{urlencode(query)}" if query else f"GET {url}"
            accepts = ["application/json"] + (["text/html"] if reader in STAFF and index == 0 else [])
            for accept in accepts:
                response = client.get(url, query, HTTP_ACCEPT=accept)
                assert response.status_code < 500, f"{reader}: {address} answered {response.status_code}"
                echo = _echoed(address) if accept == "text/html" else set()
                found += [
                    f"{address} ({accept}) → {response.status_code}: {leak}"
                    for leak in leaks(rendered(response), reader)
                    if leak.split(":", 1)[0] not in echo
                ]
    no_leaks(found + log_leaks(log.lines), f"{reader} reading {route}")


# --- (b) every page of every registered model admin, for every staff role ----------------------------------------

ADMIN_MODELS = {model._meta.label_lower: model for model in admin.site._registry}


def _admin_objects(label: str, world: World) -> list:
    """The loaded objects whose pages are read: the world's own records, or one row of any other table."""
    owner, other = world.owner, world.other
    filings, claims = list(world.filings.values()), list(world.claims.values())
    mine = {
        "registry.person": lambda: [owner, other],
        "filings.filing": lambda: Filing.objects.filter(reference__in=filings),
        "filings.filingreviewqueue": lambda: FilingReviewQueue.objects.filter(reference__in=filings, state="submitted"),
        "reimbursements.claim": lambda: Claim.objects.filter(reference__in=claims),
        "reimbursements.claimreviewqueue": lambda: ClaimReviewQueue.objects.filter(reference__in=claims).filter(
            state__in=["submitted", "under_review"]
        ),
        "registry.insuredperiod": lambda: InsuredPeriod.objects.filter(person__in=[owner, other]),
        "registry.chronicqualification": lambda: ChronicQualification.objects.filter(person=owner),
        "registry.persondataaccess": lambda: PersonDataAccess.objects.filter(person=owner),
        "notifications.notification": lambda: {  # one of each kind: each kind's message is its own text
            n.kind: n for n in Notification.objects.filter(person__in=[owner, other]).order_by("-id")
        }.values(),
        "notifications.overduereview": lambda: OverdueReview.objects.all(),
        "accounts.personsession": lambda: PersonSession.objects.filter(person__in=[owner, other]),
        "reimbursements.poolusageelsewhere": lambda: PoolUsageElsewhere.objects.filter(person=owner),
    }
    if label in mine:
        return list(mine[label]())
    model = ADMIN_MODELS[label]
    if model._meta.managed is False:
        return []  # a page with no table of its own (the auditors' event browser)
    first = model._default_manager.order_by("pk").first()
    return [first] if first is not None else []


def _admin_list_queries(label: str, world: World) -> list[dict]:
    """A list page plain and searched by name (a search by a full number would echo it in the search box)."""
    if label == "audit.auditevent":
        return [{}, {"reference": world.claims["paid"]}, {"record_type": "filing"}]
    if label == "audit.decisionreport":
        today = timezone.localdate()
        return [{}, {"period_from": (today - datetime.timedelta(days=30)).isoformat(), "period_to": today.isoformat()}]
    return [{}, {"q": "张三"}] if admin.site._registry[ADMIN_MODELS[label]].search_fields else [{}]


def _admin_urls(label: str, world: World, role: str) -> list[str]:
    """Every page of the model admin: Django's and its own views (``get_urls``), with each loaded object.

    A record's task pages: those the role is offered on each record, and every one on the first record
    (the refusals of the others).
    """
    model_admin = admin.site._registry[ADMIN_MODELS[label]]
    objects = _admin_objects(label, world)
    urls = []
    for pattern in model_admin.get_urls():
        if pattern.name is None:
            continue  # Django's old-style address, a redirect to the change page
        name = f"admin:{pattern.name}"
        named, positional = set(pattern.pattern.regex.groupindex), pattern.pattern.regex.groups
        if positional == 0:
            queries = [{}]
            if pattern.name.endswith(("_changelist", "_export")):
                queries = _admin_list_queries(label, world)
            elif pattern.name.endswith("_add") and any(f.name == "person" for f in model_admin.model._meta.fields):
                queries = [{}, {"person": world.owner.pk}]  # the person's page files and claims for them
            urls += [reverse(name) + (f"?{urlencode(q)}" if q else "") for q in queries]
        elif named == {"object_id"}:
            urls += [reverse(name, kwargs={"object_id": obj.pk}) for obj in objects]
        elif named == {"object_id", "task"}:
            actor = world.admin_users[role].actor
            for index, obj in enumerate(objects):
                tasks = [t.name for t in model_admin.record_tasks if index == 0 or t.allowed(obj, actor)]
                urls += [reverse(name, kwargs={"object_id": obj.pk, "task": task}) for task in tasks]
        elif named == {"object_id", "document_id"}:
            parent = model_admin.document_parent
            for obj in objects:
                documents = model_admin.document_model.objects.filter(**{parent: obj}).exclude(file="")
                urls += [reverse(name, kwargs={"object_id": obj.pk, "document_id": d.pk}) for d in documents]
        elif named == {"id"}:
            urls += [reverse(name, kwargs={"id": obj.pk}) for obj in objects]
        elif named == {"object_id", "item"}:  # a claim's materials panel posts a checklist item here
            for obj in objects:
                urls += [reverse(name, kwargs={"object_id": obj.pk, "item": m.item}) for m in obj.materials.all()]
        elif not named and positional == 2 and pattern.name.endswith("_simple_history"):
            for obj in objects:  # a past version of the object (django-simple-history)
                urls += [reverse(name, args=[obj.pk, h.history_id]) for h in obj.history.all()]
        else:
            pytest.fail(f"{pattern.name} ({pattern.pattern}): teach this test which loaded objects to name there")
    return urls


@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize("label", sorted(ADMIN_MODELS))
def test_no_admin_page_holds_a_full_identifier(world, log, label, role):
    client = world.admin[role]
    found = []
    for url in _admin_urls(label, world, role):
        response = client.get(url)
        assert response.status_code < 500, f"{role}: GET {url} answered {response.status_code}"
        found += [f"GET {url} → {response.status_code}: {leak}" for leak in leaks(rendered(response), role)]
    no_leaks(found + log_leaks(log.lines), f"{role} reading the admin of {label}")


def _autocomplete_queries() -> list[dict]:
    """Each autocomplete an admin form offers (theirs and the counter's claim form), searched by name and number."""
    fields = {
        (model._meta.app_label, model._meta.model_name, name)
        for model, model_admin in admin.site._registry.items()
        for name in model_admin.autocomplete_fields
    }
    fields |= {("reimbursements", "claim", name) for name in ("person", "institution", "city")}
    return [
        {"app_label": app, "model_name": model, "field_name": name, "term": term}
        for app, model, name in sorted(fields)
        for term in ("张三", OWNER_ID, "3502")
    ]


@pytest.mark.parametrize("role", STAFF)
def test_no_page_of_the_admin_site_holds_a_full_identifier(world, log, role):
    client = world.admin[role]
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    urls += [
        reverse("admin:app_list", kwargs={"app_label": app})
        for app in sorted({m._meta.app_label for m in ADMIN_MODELS.values()})
    ]
    urls += [f"{reverse('admin:autocomplete')}?{urlencode(q)}" for q in _autocomplete_queries()]
    found = []
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, f"{role}: GET {url} answered {response.status_code}"
        found += [f"GET {url} → {response.status_code}: {leak}" for leak in leaks(rendered(response), role)]
    no_leaks(found + log_leaks(log.lines), f"{role} reading the admin site's pages")


# --- (c) every CSV export, read by those who may export ------------------------------------------------------------


def _csv_exports(world: World) -> list[str]:
    """Every CSV the system writes: each admin's export view (as filtered) and the API's event feed."""
    urls = []
    for label in sorted(ADMIN_MODELS):
        model_admin = admin.site._registry[ADMIN_MODELS[label]]
        for pattern in model_admin.get_urls():
            if pattern.name and pattern.name.endswith("_export"):
                urls.append(reverse(f"admin:{pattern.name}") + _export_query(pattern.name))
    return urls


def _export_query(name: str) -> str:
    """The decisions report reads last week unless told: the world's decisions were taken today."""
    if name != "audit_decisionreport_export":
        return ""
    today = timezone.localdate()
    return f"?period_from={today - datetime.timedelta(days=30):%Y-%m-%d}&period_to={today:%Y-%m-%d}"


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_every_csv_export_is_read_whole_and_holds_no_full_identifier(world, log, role):
    exports = [(world.admin[role], url) for url in _csv_exports(world)]
    exports += [(world.api[role], f"{reverse('audit-events')}?format=csv")]
    assert len(exports) >= 6, exports  # filings, their queue, claims, their queue, reveals, events ×2
    found = []
    for client, url in exports:
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), url
        text = rendered(response)
        rows = list(csv.reader(io.StringIO(text.split("\n", 1)[1].lstrip("\ufeff"))))
        assert len(rows) > 1, f"{url}: no row of the world was exported"
        found += [f"GET {url}: {leak}" for leak in leaks(text, role)]
    no_leaks(found + log_leaks(log.lines), f"{role} exporting CSV")


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_every_excel_export_is_read_whole_and_holds_no_full_identifier(world, log, role):
    """The Excel twin of every CSV export (``export/xlsx/``; ``?format=xlsx`` of the events), every cell read."""
    exports = [(world.admin[role], url.replace("/export/", "/export/xlsx/")) for url in _csv_exports(world)]
    exports += [(world.api[role], f"{reverse('audit-events')}?format=xlsx")]
    found = []
    for client, url in exports:
        response = client.get(url)
        assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"], url
        book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        rows = [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
        assert len(rows) > 1, f"{url}: no row of the world was exported"
        text = "\n".join(",".join("" if cell is None else str(cell) for cell in row) for row in rows)
        found += [f"GET {url}: {leak}" for leak in leaks(text, role)]
    no_leaks(found + log_leaks(log.lines), f"{role} exporting Excel")


# --- (d) every notification: the rows, and the bodies POSTed to the channels --------------------------------------


def test_the_world_told_the_person_of_every_kind_of_event(world):
    kinds = set(Notification.objects.filter(person=world.owner).values_list("kind", flat=True))
    assert kinds == set(NotificationKind.values), f"not produced: {set(NotificationKind.values) - kinds}"
    assert len(world.webhook_bodies) == Notification.objects.exclude(channel__webhook_url="").count()


def test_no_notification_holds_a_full_identifier(world):
    """A notification is read by the channel that relays it as well as by the person: nothing in full."""
    found = []
    for notification in Notification.objects.order_by("id"):
        document = notification_services.notification_document(notification)
        text = " ".join(
            [str(notification), notification.last_error, json.dumps(document, ensure_ascii=False, default=str)]
        )
        found += [f"notification {notification.pk} ({notification.kind}): {leak}" for leak in leaks(text, "channel")]
    no_leaks(found, "the notifications")


def test_no_webhook_body_holds_a_full_identifier(world):
    assert world.webhook_bodies, "nothing was sent: the receiver is broken"
    found = []
    for body in world.webhook_bodies:
        text = body.decode("utf-8")
        found += [f"POST {json.loads(text)['kind']}: {leak}" for leak in leaks(text, "channel")]
    no_leaks(found, "the bodies POSTed to the channels' webhooks")


# --- (e) request lines in the logs: a personal number in an address, however it was typed -------------------------


def _addresses_naming_a_person() -> list[str]:
    """Request targets as clients send them: numbers plain, grouped, dashed, full-width, percent- or +-encoded."""
    question = {"city": "310100", "visit": "inpatient"}
    return [
        f"/api/v1/eligibility/?{urlencode({'id_number': OWNER_ID, **question})}",
        f"/api/v1/eligibility/?{urlencode({'id_number': grouped(OWNER_ID), **question})}",  # 3502+0319+…
        f"/api/v1/eligibility/?id_number={quote(grouped(OWNER_ID))}&city=310100",  # 3502%200319%20…
        f"/api/v1/eligibility/?id_number={quote(full_width(OWNER_ID))}&city=310100",  # %EF%BC%93…
        f"/api/v1/filings/?id_number={grouped(OWNER_ID, 6, '-')}",
        f"/api/v1/audit/persons/{OWNER_ID}/as-of/?at=2026-01-01T00:00:00%2B08:00",
        f"/api/v1/audit/persons/{quote(grouped(OWNER_ID))}/as-of/",
        f"/api/v1/persons/?{urlencode({'phone': '+86 ' + OWNER_PHONE})}",
        f"/admin/registry/person/?{urlencode({'q': OWNER_PHONE})}",
        f"/admin/reimbursements/claim/?{urlencode({'q': grouped(OWNER_BANK)})}",
        f"/admin/registry/person/?{urlencode({'q': OWNER_CARD})}",  # the admin searches by card number too
        f"/admin/registry/person/?id_number__startswith={OWNER_ID[:14]}",
    ]


def _gunicorn_access_lines(target: str) -> list[str]:
    """What gunicorn's access log (our logger class, our format, Django's filters on its logger) writes."""
    settings: dict = {}
    exec(GUNICORN_CONF.read_text(encoding="utf-8"), settings)  # noqa: S102 - our own config file
    config = GunicornConfig()
    config.set("accesslog", "-")
    config.set("access_log_format", settings["access_log_format"] + ' %(U)s %(q)s "%(f)s"')
    logger = import_string(settings["logger_class"])(config)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.access_log.addHandler(handler)
    path, _sep, query = target.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": target,
        "PATH_INFO": unquote(path),
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://hospital.example{target}",
        "HTTP_USER_AGENT": "curl/8",
    }
    request = SimpleNamespace(headers=[("HOST", "127.0.0.1:8000")])
    response = SimpleNamespace(status="200 OK", sent=512, headers=[("Content-Type", "application/json")])
    try:
        logger.access(response, request, environ, datetime.timedelta(milliseconds=12))
    finally:
        logger.access_log.removeHandler(handler)
    return stream.getvalue().splitlines()


@pytest.mark.parametrize("target", _addresses_naming_a_person())
def test_no_request_line_logged_holds_a_full_identifier(log, target):
    lines = _gunicorn_access_lines(target)
    assert lines, "gunicorn wrote no access line"
    # runserver's request log, as Django's WSGIRequestHandler writes it (logger django.server).
    logging.getLogger("django.server").info('"%s" %s %s', f"GET {target} HTTP/1.1", "200", "512")
    assert any("django.server" in line for line in log.lines), "the django.server line was not captured"
    no_leaks(log_leaks(lines + log.lines), f"the request line of GET {target}")


# --- the one exception: a full value through a reveal that names its purpose and is recorded ------------------------


def _label_of(value: str) -> str:
    """The label in SECRETS of an identifier of the world."""
    return next(label for label, digits in SECRET_DIGITS.items() if digits == digits_of(value))


def _shown(response, reader: str) -> set[str]:
    return {leak.split(":", 1)[0] for leak in leaks(rendered(response), reader)}


@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize(
    "record, fields",
    [("person", "id_number,phone"), ("claim", "bank_account"), ("claim", "proxy_id_number")],
    ids=["person", "claim bank_account", "claim proxy_id_number"],
)
def test_an_api_reveal_shows_the_value_only_when_it_is_recorded(world, record, fields, role):
    url = (
        reverse("person-detail", kwargs={"pk": world.owner.pk})
        if record == "person"
        else reverse("claim-detail", kwargs={"reference": world.claims["pending"]})
    )
    obj = world.owner if record == "person" else Claim.objects.get(reference=world.claims["pending"])
    before = PersonDataAccess.objects.count()
    response = world.api[role].get(url, {"reveal": fields, "purpose": "audit"})
    shown = _shown(response, role)
    asked = {_label_of(getattr(obj, name)) for name in fields.split(",")}
    recorded = PersonDataAccess.objects.order_by("id")[before:]
    if response.status_code == 200:
        assert asked <= shown, f"{role} revealed {fields} but was not shown it"
        assert sorted(access.field for access in recorded) == sorted(fields.split(","))
        assert {access.user.role for access in recorded} == {role}
        assert "no-store" in response.get("Cache-Control", ""), "an answer holding full values may not be cached"
    else:
        assert response.status_code == 403, response.content
        assert not asked & shown and not recorded
    again = world.api[role].get(url)  # the next plain read is masked again
    assert not asked & _shown(again, role)


def _reveal_pages(world: World) -> list[tuple[str, str, object]]:
    """(admin URL name, label, object) of every model admin's reveal page, with the world's objects."""
    pages = []
    for label in sorted(ADMIN_MODELS):
        for pattern in admin.site._registry[ADMIN_MODELS[label]].get_urls():
            if pattern.name and pattern.name.endswith("_reveal"):
                pages += [(pattern.name, label, obj) for obj in _admin_objects(label, world)]
    return pages


@pytest.mark.parametrize("role", STAFF)
def test_an_admin_reveal_shows_the_values_once_and_only_when_recorded(world, role):
    pages = _reveal_pages(world)
    assert {label for _name, label, _obj in pages} >= {"registry.person", "reimbursements.claim"}
    client = world.admin[role]
    for name, _label, obj in pages:
        url = reverse(f"admin:{name}", args=[obj.pk])
        form = client.get(url)
        if form.status_code == 403:
            continue
        assert form.status_code == 200, f"{url}: {form.status_code}"
        no_leaks(leaks(rendered(form), role), f"{role}: the reveal form {url}")
        choices = [value for value, _label in form.context["form"].fields["fields"].choices]
        if not choices:
            continue
        token = form.context["form"]["token"].value()
        before = PersonDataAccess.objects.count()
        data = {"fields": choices, "purpose": "audit", "reason": "", "token": token}
        shown = _shown(client.post(url, data), role)
        expected = {_label_of(getattr(obj, field)) for field in choices if getattr(obj, field)}
        assert expected <= shown, f"{role}: {url} revealed {choices} but did not show them"
        recorded = PersonDataAccess.objects.order_by("id")[before:]
        assert sorted(access.field for access in recorded) == sorted(choices), url
        # The same form posted again (a refresh, the back button) records nothing and shows nothing.
        refreshed = client.post(url, data, follow=True)
        assert not expected & _shown(refreshed, role), url
        assert PersonDataAccess.objects.count() == before + len(choices), url
