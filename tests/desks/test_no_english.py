"""Every admin page, ours and the packages', read as every role, shows no English word (issue 25).

The walk covers the index, each app's page, and for every model registered on the admin site
(``admin.site._registry``, so a new registration is walked without touching this file) its list,
add, change, history and delete pages and every page of its own (record tasks, reveal, exports that
answer HTML), plus the login, password and logout pages.

What counts as shown: text nodes outside <script>/<style> and <code> (text a machine reads, shown as it is:
a notification's JSON), and the title, placeholder, alt and aria-label attributes and the labels of buttons.
A word is two Latin letters or more. Allowed are the acronyms of ``ALLOWED_WORDS`` and the records' own
codes and identifiers (``identifiers``): a username, a reference, a key prefix, a channel code as a code
column shows them. A 404 or 403 page (a role's refusal) must read in Chinese as well.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.hashers import get_hashers
from django.db import models
from django.test import Client, RequestFactory
from django.urls import URLPattern, reverse
from django.utils import timezone

from accounts.choices import Role
from notifications.jobs import JOBS

pytestmark = pytest.mark.django_db

ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
# A masked value (an ID number, a password's hash) shows its first characters and asterisks: an identifier.
MASKED = re.compile(r"[A-Za-z0-9]*\*{4,}[A-Za-z0-9]*")
# Codes quoted in help texts as they are typed or stored: an HTTP header, a request to the API, the form of a
# notification's once-only key (event:<id>).
PROTOCOL = re.compile(r"X-Signature|\b(?:GET|POST) /api/\S*|\bevent:")

# Pages allowed English words while their fix is under way (none now); an entry no page needs any more fails
# the test too, so none outlives its fix.
ELSEWHERE: dict[str, set[str]] = {}

# Words staff meet as they are, never translated (keep this short; each is said why).
ALLOWED_WORDS = {
    # Acronyms and file formats.
    "API",
    "CSV",
    "ID",
    "PDF",
    "JPEG",
    "PNG",
    "KB",
    "MB",
    "URL",
    "JSON",
    "HTTPS",
    "GET",
    "POST",
    "Excel",
    "UTC",
    "IP",
    # Part of the channels' names as the bureau writes them (闽政通APP).
    "APP",
    # The channel developers' word for the address notifications are POSTed to, shown beside 推送地址.
    "webhook",
    # The authentication schemes a client writes in its Authorization header, shown as written.
    "Token",
    "Bearer",
    "Api",
    "Key",
}

# Attributes whose text a person sees (a tooltip, an empty field's hint, an image's text, a screen reader's).
SHOWN_ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")
UNSHOWN_ELEMENTS = {"script", "style", "template", "code"}


class ShownText(HTMLParser):
    """The pieces of text a page shows (see the module's docstring)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in UNSHOWN_ELEMENTS:
            self.hidden_depth += 1
            return
        attributes = dict(attrs)
        for name in SHOWN_ATTRIBUTES:
            if attributes.get(name):
                self.pieces.append(attributes[name])
        if tag in {"input", "button"} and attributes.get("type") in {"submit", "button", "reset"}:
            if attributes.get("value"):
                self.pieces.append(attributes["value"])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in UNSHOWN_ELEMENTS:
            self.hidden_depth -= 1

    def handle_endtag(self, tag):
        if tag in UNSHOWN_ELEMENTS and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data):
        if not self.hidden_depth and data.strip():
            self.pieces.append(data)


def english_words(html: str, identifiers) -> set[str]:
    """The English words ``html`` shows, but for the ``identifiers`` in it (the longest taken out first)."""
    identifiers = sorted(identifiers, key=len, reverse=True)
    parser = ShownText()
    parser.feed(html)
    parser.close()
    found = set()
    for piece in parser.pieces:
        if not ENGLISH_WORD.search(piece):
            continue
        for identifier in identifiers:
            if identifier in piece:
                piece = piece.replace(identifier, " ")
        piece = PROTOCOL.sub(" ", MASKED.sub(" ", piece))
        found.update(word for word in ENGLISH_WORD.findall(piece) if word not in ALLOWED_WORDS)
    return found


def test_the_reader_finds_english_in_text_and_attributes_but_not_in_scripts():
    html = (
        "<title>列表 | Site</title><script>var Hidden = 1;</script><style>.Cls{}</style>"
        '<p title="Tooltip">保存</p><input type="submit" value="Save"><input type="hidden" value="Secret">'
        '<input placeholder="Search"><img alt="Logo"><a aria-label="Close">×</a> API CSV 用户 staff7'
    )
    assert english_words(html, {"staff7"}) == {"Site", "Tooltip", "Save", "Search", "Logo", "Close"}


# --- the records every page is shown with ------------------------------------------------------------------


def build_scene() -> None:
    """At least one row of every registered model: factories where there are, the rest made here."""
    from decimal import Decimal

    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_celery_beat.models import (
        ClockedSchedule,
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
        SolarSchedule,
    )
    from rest_framework.test import APIClient

    from accounts.models import ChannelAPIKey
    from accounts.services import staff_token_issue
    from filings.choices import FilingState
    from filings.models import DesignatedInstitutionRule
    from notifications.models import OverdueReview
    from registry.models import HolidayYear
    from registry.services import person_reveal
    from reimbursements.choices import ClaimState
    from reimbursements.models import PoolUsageElsewhere
    from tests import factories

    person = factories.PersonFactory(name="林一")
    factories.ChronicQualificationFactory(person=person)
    factories.InstitutionFactory()
    factories.HolidayFactory()
    HolidayYear.objects.get_or_create(year=2090)
    factories.FilingFactory(person=person)
    queued = factories.FilingFactory(state=FilingState.SUBMITTED, mode="fast_track", filing_type="long_term_resident")
    OverdueReview.objects.create(
        record_type="filing", reference=queued.reference, filing=queued, due_on=timezone.localdate()
    )
    factories.ClaimFactory(person=person, state=ClaimState.UNDER_REVIEW)
    factories.ClaimFactory(state=ClaimState.SUBMITTED)
    factories.NotificationFactory()
    DesignatedInstitutionRule.objects.create(destination_id="310000", effective_from=timezone.localdate())
    PoolUsageElsewhere.objects.create(
        person=person, year=2026, pool_id="fund", fund_paid=Decimal("1000"), source="平台"
    )
    staff = factories.UserFactory(role=Role.COUNTER, username="token_holder")
    staff_token_issue(user=staff)
    person_reveal(person=person, fields=["id_number"], actor=staff.actor, reason="核对身份信息")
    factories.person_token(person)
    hospital = APIClient()
    hospital.credentials(
        HTTP_AUTHORIZATION=f"Api-Key {factories.channel_key('hospital', institution=factories.referring_hospital())}"
    )
    ChannelAPIKey.objects.update(name="测试医院接口")  # a key's name is what the administrator typed
    asked = hospital.get(
        "/api/v1/eligibility/", {"city": "310100", "visit": "inpatient", "id_number": person.id_number}
    )
    assert asked.status_code == 200, asked.content

    now = timezone.now()
    AccessAttempt.objects.create(username="guess", ip_address="10.0.0.9", user_agent="curl", failures_since_start=3)
    AccessLog.objects.create(username="token_holder", ip_address="10.0.0.8", user_agent="Chrome", attempt_time=now)
    AccessFailureLog.objects.create(username="guess", ip_address="10.0.0.9", user_agent="curl", attempt_time=now)
    interval = IntervalSchedule.objects.create(every=10, period=IntervalSchedule.MINUTES)
    CrontabSchedule.objects.get_or_create(minute="0", hour="2")
    SolarSchedule.objects.create(event="sunrise", latitude=24.48, longitude=118.09)
    ClockedSchedule.objects.create(clocked_time=now)
    if not PeriodicTask.objects.exists():
        PeriodicTask.objects.create(name="测试任务", task="accounts.tasks.purge", interval=interval)


# Fields whose values are the records' own codes and identifiers, shown as they are stored: a username, a
# record's reference, an item's or a job's code (a periodic task's name is the code ``run_job`` takes), an
# invoice's number, a key's prefix, what a login came from (address, browser).
IDENTIFIER_FIELD_NAMES = {
    "username",
    "code",
    "reference",
    "prefix",
    "item",
    "task",
    "number",
    "key",
    "ip_address",
    "user_agent",
}
IDENTIFIER_FIELDS = {("django_celery_beat", "periodictask", "name")}


def identifiers() -> set[str]:
    found: set[str] = {hasher.algorithm for hasher in get_hashers()}  # a password's summary names its hasher
    found |= {settings.TIME_ZONE} | {job.name for job in JOBS.values()}  # a schedule's time zone, the jobs' names
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        opts = model._meta
        fields = [
            f.name
            for f in opts.concrete_fields
            if isinstance(f, (models.CharField, models.GenericIPAddressField))
            and (
                f.name in IDENTIFIER_FIELD_NAMES
                or (f.primary_key and f.name != "id")
                or (opts.app_label, opts.model_name, f.name) in IDENTIFIER_FIELDS
            )
        ]
        for name in fields:
            found.update(v for v in model._default_manager.values_list(name, flat=True) if v)
    return {value for value in found if ENGLISH_WORD.search(value)}


# --- the walk -------------------------------------------------------------------------------------------------

STANDARD_VIEWS = {"changelist", "add", "change", "history", "delete", "autocomplete"}


def sample(model_admin, superuser):
    """A record the model's admin lists (a queue's: one waiting in it)."""
    request = RequestFactory().get("/admin/")
    request.user = superuser
    return model_admin.get_queryset(request).order_by("pk").first()


def model_pages(model_admin, record) -> list[str]:
    opts = model_admin.model._meta
    base = f"admin:{opts.app_label}_{opts.model_name}"
    urls = [reverse(f"{base}_changelist"), reverse(f"{base}_add")]
    if record is None:
        return urls
    pk = record.pk
    urls += [reverse(f"{base}_{view}", args=[pk]) for view in ("change", "history", "delete")]
    for pattern in model_admin.get_urls():
        if not isinstance(pattern, URLPattern) or not pattern.name:
            continue
        view = pattern.name.removeprefix(f"{opts.app_label}_{opts.model_name}_")
        if view in STANDARD_VIEWS or view == pattern.name:
            continue
        params = set(pattern.pattern.regex.groupindex)
        if view == "simple_history":  # django-simple-history's page of a past version: (object, version)
            params = {"object_id", "version_id"}
        if params == set():
            urls.append(reverse(f"admin:{pattern.name}"))
        elif params == {"object_id"}:
            urls.append(reverse(f"admin:{pattern.name}", args=[pk]))
        elif params == {"object_id", "task"}:
            urls += [
                reverse(f"admin:{pattern.name}", kwargs={"object_id": pk, "task": task.name})
                for task in getattr(model_admin, "record_tasks", ())
            ]
        elif params == {"object_id", "version_id"}:
            version = record.history.order_by("history_id").first()
            if version is None:  # a seeded row, loaded without history
                record.history.bulk_history_create([record])
                version = record.history.get()
            urls.append(reverse(f"admin:{pattern.name}", args=[pk, version.history_id]))
        elif params == {"object_id", "document_id"}:
            continue  # a download, not a page
        elif params == {"object_id", "item"}:
            continue  # the materials panel's post of one item: it answers a GET with 405 and no page
        else:
            raise AssertionError(f"{pattern.name}: teach this walk which values {sorted(params)} take")
    return urls


def site_pages() -> list[str]:
    urls = [reverse("admin:index"), reverse("admin:password_change"), reverse("admin:password_change_done")]
    urls += [reverse("admin:app_list", args=[label]) for label in {m._meta.app_label for m in admin.site._registry}]
    return urls


def problems_on(client, url, role, ids, used: set[str] | None = None) -> list[str]:
    response = client.get(url)
    if response.status_code in (301, 302):
        return []
    if response.status_code not in (200, 403, 404):  # 404: an app page showing the role none of its models
        return [f"{url} as {role}: answered {response.status_code}"]
    if "html" not in response.get("Content-Type", ""):
        return []
    words = english_words(response.content.decode(), ids)
    for pattern, pending in ELSEWHERE.items():
        if re.match(pattern, url) and words & pending:
            words -= pending
            if used is not None:
                used.add(pattern)
    shown = "" if response.status_code == 200 else f"{response.status_code} page "
    return [f"{shown}{url} as {role}: {', '.join(sorted(words))}"] if words else []


def test_every_admin_page_reads_in_chinese_for_every_role():
    from tests.factories import UserFactory

    build_scene()
    superuser = UserFactory(role=Role.ADMIN, is_superuser=True, username="root_admin")
    readers = {str(role.label): UserFactory(role=role) for role in Role}
    readers["superuser"] = superuser
    clients = {}
    for role, user in readers.items():
        clients[role] = Client()
        clients[role].force_login(user)  # django-axes logs each login (its address and browser are identifiers)
    ids = identifiers()
    pages = site_pages()
    unbuilt = []
    for model, model_admin in admin.site._registry.items():
        record = sample(model_admin, superuser) if model._meta.managed else None
        if record is None and model._meta.managed:
            unbuilt.append(model._meta.label)
        pages += model_pages(model_admin, record)
    assert not unbuilt, f"build_scene makes no record of {unbuilt} that their admins list"

    problems = []
    used: set[str] = set()
    for role, client in clients.items():
        for url in pages:
            problems += problems_on(client, url, role, ids, used)
    anonymous = Client()
    problems += problems_on(anonymous, reverse("admin:login"), "anonymous", ids)
    refused = anonymous.post(reverse("admin:login"), {"username": "root_admin", "password": "not the password"})
    words = english_words(refused.content.decode(), ids)
    if refused.status_code != 200 or words:
        problems.append(f"/admin/login/ refusing a wrong password ({refused.status_code}): {', '.join(sorted(words))}")
    logged_out = Client()
    logged_out.force_login(superuser)
    response = logged_out.post(reverse("admin:logout"))
    words = english_words(response.content.decode(), ids)
    if words:
        problems.append(f"/admin/logout/ (after logging out): {', '.join(sorted(words))}")
    problems += [f"ELSEWHERE[{pattern!r}] is no longer needed: remove it" for pattern in set(ELSEWHERE) - used]
    assert not problems, "English words on admin pages:\n" + "\n".join(problems)
