"""What the statistics pages draw: for each chart, its categories and series, taken from a ``stats.selectors.Table``
and shown twice — as an Apache ECharts chart and as the small table beside it, so the picture and the numbers
are the same numbers. The browser only draws (``static/stats/charts.js``); nothing is counted there."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from stats.selectors import Table, Unit

# Per subject: the figures drawn by group, a chart each (a bar per group, this period beside the year before),
# and the figures of the totals' chart.
BY_GROUP = {
    "filings": ["new", "effective_at_once_share"],
    "claims": ["received", "amount_paid"],
    "service": ["days_median", "overdue_share"],
    "eligibility": ["answered", "covered_share"],
}
TOTALS = {
    "filings": [["new", "effective", "effective_at_once", "rejected", "changed", "revoked", "expired"]],
    "claims": [
        ["received", "materials_requested", "approved", "rejected", "withdrawn", "paid"],
        ["amount_claimed", "amount_eligible", "own_share", "deductible_applied", "amount_approved", "amount_paid"],
    ],
    "service": [["decided", "overdue"]],
    "eligibility": [["answered", "covered", "not_covered"]],
}


def shown(value, unit: Unit) -> str:
    """A figure as the tables show it: 1,234 / 1,234.50 / 85.2% / 3.5; — for none."""
    if value is None:
        return "—"
    if unit == Unit.SHARE:
        return f"{value * 100:.1f}%"
    if unit == Unit.MONEY:
        return f"{Decimal(value):,.2f}"
    if unit == Unit.DAYS:
        return f"{value:.1f}"
    if unit == Unit.AVERAGE:
        return f"{value:.2f}"
    return f"{value:,}"


def _number(value):
    """A figure as the chart takes it: a JSON number, or null."""
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


def charts(table: Table, extra: Table | None = None) -> list[dict]:
    """The page's charts: the totals of this period and the year before; by group when grouped; and (the
    eligibility page) the reasons for answers that were not covered."""
    figures = {figure.code: figure for figure in table.figures}
    current, previous = _("this period"), _("a year before")
    drawn = []
    for number, codes in enumerate(TOTALS[table.subject]):
        drawn.append(
            {
                "id": f"chart-totals-{number}" if number else "chart-totals",
                "kind": "bar",
                "title": _("In total") if number == 0 else _("In total (yuan)"),
                "categories": [str(figures[code].label) for code in codes],
                "series": [
                    {"name": current, "data": [_number(table.total.current[code]) for code in codes]},
                    {"name": previous, "data": [_number(table.total.previous[code]) for code in codes]},
                ],
                "units": [figures[code].unit.value for code in codes],
            }
        )
    if table.grouping is not None and table.rows:
        for code in BY_GROUP[table.subject]:
            figure = figures[code]
            drawn.append(
                {
                    "id": f"chart-{code}",
                    "kind": "bar",
                    "title": _("%(figure)s by %(grouping)s")
                    % {"figure": figure.label, "grouping": table.grouping.label},
                    "categories": [row.name for row in table.rows],
                    "series": [
                        {"name": current, "data": [_number(row.current[code]) for row in table.rows]},
                        {"name": previous, "data": [_number(row.previous[code]) for row in table.rows]},
                    ],
                    "units": [figure.unit.value] * len(table.rows),
                }
            )
    if extra is not None and extra.rows:
        rows = [row for row in extra.rows if row.current["not_covered"]]
        drawn.append(
            {
                "id": "chart-reasons",
                "kind": "pie",
                "title": _("Why not covered (this period)"),
                "categories": [row.name for row in rows],
                "series": [{"name": current, "data": [row.current["not_covered"] for row in rows]}],
                "units": ["count"] * len(rows),
            }
        )
    for chart in drawn:
        chart["table"] = [
            [category, *(shown(serie["data"][i], Unit(chart["units"][i])) for serie in chart["series"])]
            for i, category in enumerate(chart["categories"])
        ]
    return drawn
