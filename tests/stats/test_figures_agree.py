"""The API, the admin pages and a direct count over the event tables give the same figures, for every figure of
every subject, in total and by every grouping, for the period and the same days a year before, on random
records (``scene.stats_scene``) — on SQLite and on PostgreSQL alike; and whether the days are read from the
daily aggregates (rolled up by ``stats.services.refresh``), from the events, or partly from each."""

from __future__ import annotations

import datetime
import html
import json
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from stats import periods, selectors, services
from stats.charts import TOTALS, shown
from tests.factories import UserFactory
from tests.stats import reference
from tests.stats.scene import stats_scene

pytestmark = pytest.mark.django_db
PAGES = {
    "filings": "admin:stats_filingstatistics_changelist",
    "claims": "admin:stats_claimstatistics_changelist",
    "service": "admin:stats_servicestatistics_changelist",
    "eligibility": "admin:stats_eligibilitystatistics_changelist",
}


def comparable(figures: dict, subject: str) -> dict:
    """API figures as the reference counts them: money as Decimal, the rest as they are."""
    spec = selectors.SUBJECTS[subject]
    return {
        code: Decimal(value) if spec.figure(code).unit == selectors.Unit.MONEY else value
        for code, value in figures.items()
    }


def page_rows(content: str) -> dict[str, list[tuple[str, str]]]:
    """The page's table of every figure: {row key: [(this period, a year before), …]} as shown."""
    table = content[content.index('id="stats-table"') :]
    found = {}
    for key, cells in re.findall(r'<tr class="[^"]*" data-key="([^"]*)">(.*?)</tr>', table, re.S):
        pairs = re.findall(r'<td class="num">(.*?)<br><span class="previous"[^>]*>(.*?)</span></td>', cells)
        found[html.unescape(key)] = [(html.unescape(a), html.unescape(b)) for a, b in pairs]
    return found


def page_charts(content: str) -> list[dict]:
    match = re.search(r'<script id="stats-charts" type="application/json">(.*?)</script>', content, re.S)
    return json.loads(match.group(1))


def roll_up(period, how: str) -> None:
    """Nothing; some days of each period, leaving runs of days on both sides to the events; or every day."""
    previous = period.year_before()
    day = datetime.timedelta(days=1)
    if how == "part":
        services.refresh(period.start + 3 * day, period.start + 12 * day)
        services.refresh(period.end - 2 * day, period.end + day)
        services.refresh(previous.start - day, previous.start + 20 * day)
    elif how == "all":
        services.refresh(previous.start - 2 * day, period.end + 2 * day)


@pytest.mark.parametrize(("seed", "rolled"), [(7, "none"), (7, "part"), (2026, "all")])
def test_api_pages_and_a_direct_count_agree_on_every_figure(seed, rolled, client_for):
    period = periods.named("2026-10")
    stats_scene(seed, period)
    roll_up(period, rolled)
    api = client_for(role=Role.AUDITOR)
    page = Client()
    page.force_login(UserFactory(role=Role.AUDITOR))
    for subject, count in reference.REFERENCE.items():
        spec = selectors.SUBJECTS[subject]
        expected = {"current": count(period), "previous": count(period.year_before())}
        assert expected["current"][""][None][spec.figures[0].code] > 0, f"{subject}: the scene counts nothing"
        for grouping in ["", *spec.groupings]:
            query = {"period": period.code, **({"group_by": grouping} if grouping else {})}
            answer = api.get(f"/api/v1/stats/{subject}/", query)
            assert answer.status_code == 200, answer.content
            body = answer.json()
            assert body["period"]["start"] == "2026-10-01" and body["compared_with"]["code"] == "2025-10"
            for side in ("current", "previous"):
                wanted = expected[side][grouping]
                assert comparable(body["total"][side], subject) == expected[side][""][None], (subject, side)
                if not grouping:
                    assert body["groups"] == []
                    continue
                got = {row["key"]: comparable(row[side], subject) for row in body["groups"]}
                # A group with events in one period only shows zeros in the other.
                zero = {key: figures for key, figures in got.items() if key not in wanted}
                assert {key: got[key] for key in wanted} == wanted, (subject, grouping, side)
                assert all(
                    not any(v for k, v in figures.items() if spec.figure(k).unit != selectors.Unit.MONEY)
                    for figures in zero.values()
                ), (subject, grouping, side)

            shown_page = page.get(reverse(PAGES[subject]), {**query, "group_by": grouping})
            assert shown_page.status_code == 200
            content = shown_page.content.decode()
            rows = page_rows(content)
            for row in [*body["groups"], body["total"]]:
                cells = rows[row["key"] or ""]
                assert cells == [
                    (
                        shown(_typed(row["current"][f.code], f), f.unit),
                        shown(_typed(row["previous"][f.code], f), f.unit),
                    )
                    for f in spec.figures
                ], (subject, grouping, row["key"])
            charts = page_charts(content)
            totals = charts[0]
            codes = TOTALS[subject][0]
            assert totals["series"][0]["data"] == [_number(body["total"]["current"][code]) for code in codes]
            assert totals["series"][1]["data"] == [_number(body["total"]["previous"][code]) for code in codes]


def _typed(value, figure):
    return Decimal(value) if figure.unit == selectors.Unit.MONEY and value is not None else value


def _number(value):
    return float(value) if isinstance(value, str) else value
