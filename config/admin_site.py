"""The bureau's admin site: its names, no link to a public site, and the day's work on the index.

Apps register their review queues here (``register_queue``) so the index can count, for the
viewing role, what is overdue, due today and due later, without this module importing them; and
their warnings (``register_notice``: the holiday calendar of next year still missing), which the
index shows above the queues to whoever the app's function shows them to.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.actors import actor_of
from config.admin_policy import BureauModelAdmin


@dataclass(frozen=True)
class DeskQueue:
    """A queue of records awaiting a decision: ``due_dates()`` gives each waiting record's due date."""

    label: object
    url_name: str
    capacities: frozenset
    due_dates: Callable[[], list[datetime.date | None]]


@dataclass(frozen=True)
class DeskNotice:
    """A warning at the top of the index, with the links that resolve it: ``[(label, url), ...]``."""

    message: object
    links: tuple[tuple[object, str], ...] = ()


@dataclass(frozen=True)
class OwnWork:
    """A line of the viewer's own open work on the index: how many, and the list filtered to them."""

    label: object
    count: int
    url: str


@dataclass(frozen=True)
class QueueCounts:
    label: object
    url: str
    overdue: int
    today: int
    later: int


class BureauAdminSite(admin.AdminSite):
    site_header = _("Cross-region treatment filings and reimbursements")
    site_title = _("Cross-region treatment filings")
    index_title = _("Today's work")
    site_url = None  # there is no public site to view: the header shows no such link
    index_template = "admin/desk_index.html"
    # Lists need the width at 1366 px more than a second menu: the index and breadcrumbs lead around.
    enable_nav_sidebar = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.queues: list[DeskQueue] = []
        self.notices: list[Callable[[object], list[DeskNotice]]] = []
        self._actor_names: Callable[[set[str]], dict[str, str]] | None = None
        self.own_work: list[Callable[[object], list[OwnWork]]] = []

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every model admin, ours and the packages', obeys ``config.admin_policy`` (lookups, histories)."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, BureauModelAdmin):
            admin_class = type(
                admin_class.__name__,
                (BureauModelAdmin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def register_queue(self, queue: DeskQueue) -> None:
        self.queues.append(queue)

    def register_notice(self, notices: Callable[[object], list[DeskNotice]]) -> None:
        """``notices(request)`` gives the warnings the index shows this user (none for whoever cannot act on them)."""
        self.notices.append(notices)

    def register_actor_names(self, names: Callable[[set[str]], dict[str, str]]) -> None:
        """``names(labels)`` names stored actor labels (``staff:wang`` → 王敏（审核员）) for the pages of ``config``."""
        self._actor_names = names

    def actor_names(self, labels: set[str]) -> dict[str, str]:
        return self._actor_names(labels) if self._actor_names else {label: label for label in labels}

    def register_own_work(self, own_work: Callable[[object], list[OwnWork]]) -> None:
        """``own_work(request)`` gives the lines of the viewer's own open work (none for roles without any)."""
        self.own_work.append(own_work)

    def own_work_lines(self, request) -> list[OwnWork]:
        return [line for own_work in self.own_work for line in own_work(request)]

    def desk_notices(self, request) -> list[DeskNotice]:
        return [notice for notices in self.notices for notice in notices(request)]

    def queue_counts(self, request) -> list[QueueCounts]:
        actor = actor_of(request.user)
        if actor is None:
            return []
        today = timezone.localdate()
        rows = []
        for queue in self.queues:
            if not actor.may(queue.capacities):
                continue
            dates = queue.due_dates()
            rows.append(
                QueueCounts(
                    label=queue.label,
                    url=reverse(queue.url_name),
                    overdue=sum(1 for day in dates if day is not None and day < today),
                    today=sum(1 for day in dates if day == today),
                    later=sum(1 for day in dates if day is None or day > today),
                )
            )
        return rows

    def index(self, request, extra_context=None):
        return super().index(
            request,
            {
                "queue_counts": self.queue_counts(request),
                "desk_notices": self.desk_notices(request),
                "own_work": self.own_work_lines(request),
                **(extra_context or {}),
            },
        )
