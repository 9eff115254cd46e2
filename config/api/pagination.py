"""Page-number pagination shared by every list endpoint, with a count whose cost is bounded.

An exact ``COUNT(*)`` reads every row a filter selects: a broad filter at city scale (every effective
filing, 2,000,000 filings) costs more than the page it counts. So the count is exact up to
``API_EXACT_COUNT_LIMIT`` rows (10,000; the count reads at most one row more than that), and beyond it is
PostgreSQL's estimate for the query (never less than the limit + 1; on SQLite the limit + 1), with
``count_exact: false``. The page itself never depends on the count: it reads ``page_size`` + 1 rows, the
one more saying whether a next page exists, and a page past the end is still a 404. Pages reach the first
``API_EXACT_COUNT_LIMIT`` rows of a list: a deeper page would have the database read and skip every row
before it (``OFFSET``), the very cost the bounded count avoids, so it is refused (404, saying to narrow the
filters) before any query — and a page number too large for the database is no 500. Every row of a selection
whose count is exact is reachable; a broader one is narrowed, exported or counted by the statistics.
"""

from __future__ import annotations

import json
from collections import OrderedDict

from django.conf import settings
from django.db import connections
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from config.errors import ValidationFailed


def bounded_count(queryset: QuerySet, limit: int) -> tuple[int, bool]:
    """(the number of rows, exact?): exact up to ``limit``; beyond it the database's estimate, at least limit + 1."""
    # Only the primary key, no ordering, no joins the count does not need: ``COUNT(*)`` over at most limit + 1 rows.
    keys = queryset.order_by().values("pk")
    found = keys[: limit + 1].count()
    if found <= limit:
        return found, True
    return max(limit + 1, _estimate(keys)), False


def _estimate(keys: QuerySet) -> int:
    """The planner's row estimate for the query (PostgreSQL), or 0 where there is none."""
    connection = connections[keys.db]
    if connection.vendor != "postgresql":
        return 0
    sql, params = keys.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


class StandardPagination(PageNumberPagination):
    """``page`` (a page past the end is a 404) and ``page_size`` (a whole number from 1; above 200 gives 200);
    ``count`` exact up to ``API_EXACT_COUNT_LIMIT`` rows, an estimate beyond (``count_exact``)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
            message = _("A whole number from 1 to %(n)d.") % {"n": self.max_page_size}
            raise ValidationFailed(message, errors={self.page_size_query_param: [message]})
        return min(int(raw), self.max_page_size)

    def get_page_number(self, request) -> int:
        raw = request.query_params.get(self.page_query_param, "1")
        # Whole numbers only ("last" too is refused: no count is made to find it); nine digits at most: deeper
        # than any window, and never a number too long to convert.
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 9 and int(raw) >= 1):
            raise NotFound(_("Invalid page."))
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        number = self.get_page_number(request)
        start, window = (number - 1) * size, settings.API_EXACT_COUNT_LIMIT
        if number > 1 and start >= window:
            raise NotFound(
                _("Pages reach the first %(n)d rows of a list: narrow the filters to read further.") % {"n": window}
            )
        rows = list(queryset[start : start + size + 1])
        if not rows and number > 1:
            raise NotFound(_("Invalid page."))
        self.has_next, self.number = len(rows) > size and start + size < window, number
        if len(rows) <= size:
            # The last page: the total is what came before it and what it holds, with no count at all.
            self.count, self.count_exact = start + len(rows), True
        else:
            self.count, self.count_exact = bounded_count(queryset, window)
            self.count = max(self.count, start + size + 1)
        return rows[:size]

    def get_next_link(self):
        if not self.has_next:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, self.number + 1)

    def get_previous_link(self):
        if self.number <= 1:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data):
        return Response(
            OrderedDict(
                [
                    ("count", self.count),
                    ("count_exact", self.count_exact),
                    ("next", self.get_next_link()),
                    ("previous", self.get_previous_link()),
                    ("results", data),
                ]
            )
        )

    def get_paginated_response_schema(self, schema):
        """``next`` and ``previous`` are always there (null at the ends): required, like ``count`` and ``results``."""
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count"]["description"] = (
            "Rows the filters select: exact up to API_EXACT_COUNT_LIMIT (10,000 unless configured), "
            "PostgreSQL's estimate beyond it (count_exact false). Pages never depend on it."
        )
        answer["properties"] = {
            "count": answer["properties"]["count"],
            "count_exact": {
                "type": "boolean",
                "description": "False when count is an estimate (more rows than API_EXACT_COUNT_LIMIT).",
            },
            **{k: v for k, v in answer["properties"].items() if k != "count"},
        }
        answer["required"] = ["count", "count_exact", "next", "previous", "results"]
        return answer

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {**parameter["schema"], "minimum": 1}
                parameter["description"] = (
                    f"Rows per page: {self.page_size} unless given, at most {self.max_page_size} (more gives that)."
                )
            elif parameter["name"] == self.page_query_param:
                parameter["schema"] = {**parameter["schema"], "minimum": 1}
                parameter["description"] = (
                    "A page number from 1. Pages reach the first API_EXACT_COUNT_LIMIT rows (10,000 unless "
                    "configured): a deeper page is a 404 saying to narrow the filters."
                )
        return parameters
