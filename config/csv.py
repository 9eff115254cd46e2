"""CSV exports that stream: rows are written as they are read, so memory stays flat however many there are."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone

BOM = "\ufeff"  # spreadsheet programs read the file as UTF-8 (Chinese text) only with it
# A cell starting with one of these is run as a formula by spreadsheet programs (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write returns the line, for csv.writer to hand back."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """Every export's lines: each cell through ``csv_cell``, the header too."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def csv_cell(value) -> str:
    """One value as a CSV cell that a spreadsheet shows and never runs.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to Excel,
    WPS and LibreOffice (``=HYPERLINK(...)`` in a reason typed by anyone); it gets a leading ``'``
    (OWASP's rule), which the programs show as text. Numbers are written as they are.
    """
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return str(value)
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    elif hasattr(value, "isoformat"):
        text = timezone.localtime(value).isoformat() if getattr(value, "tzinfo", None) else value.isoformat()
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(*, filename: str, header: Iterable[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
