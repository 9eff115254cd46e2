"""The statistics pages (统计分析): one per subject, for auditors and administrators (the desks see none). Each
shows the chosen period beside the same days a year before, as charts with their numbers beside them and a
table of every figure, exported as CSV or Excel with the same rows."""

from __future__ import annotations

import functools

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from audit.admin import AuditorsOnly, may_audit
from config.admin import ExportUrlsMixin
from config.csv import csv_response
from config.xlsx import xlsx_response
from stats import selectors
from stats.charts import charts, shown
from stats.forms import StatisticsForm
from stats.models import ClaimStatistics, EligibilityStatistics, FilingStatistics, ServiceStatistics


def export_header(table: selectors.Table) -> list[str]:
    """The group, then each figure of this period, then each of the year before (Chinese headers)."""
    grouping = str(table.grouping.label) if table.grouping else _("group")
    year_before = _("a year before")
    return [
        grouping,
        *(str(figure.label) for figure in table.figures),
        *(f"{figure.label}（{year_before}）" for figure in table.figures),
        _("group code"),
    ]


def export_rows(table: selectors.Table):
    """Every group, then the total: numbers as numbers (money as yuan with two decimals, shares 0 to 1)."""
    for row in [*table.rows, table.total]:
        yield [
            row.name,
            *(row.current[figure.code] for figure in table.figures),
            *(row.previous[figure.code] for figure in table.figures),
            row.key or "",
        ]


class StatisticsAdmin(ExportUrlsMixin, AuditorsOnly, admin.ModelAdmin):
    """A page of figures: the form chooses the period and the grouping, ``stats.selectors.table`` counts."""

    def _table(self, request):
        form = StatisticsForm(self.model.subject, request.GET)
        if not form.is_valid():
            return form, None
        group_by = form.cleaned_data.get("group_by") or None
        return form, selectors.table(self.model.subject, form.cleaned_data["chosen_period"], group_by)

    def export_view(self, request):
        return self._export(request, csv_response, "csv")

    def export_xlsx_view(self, request):
        sheet = str(self.model._meta.verbose_name)
        return self._export(request, functools.partial(xlsx_response, sheet_name=sheet), "xlsx")

    def _export(self, request, respond, extension: str):
        """The table in one format: the same permission, header and rows whichever it is; a bad period or
        grouping shows the page, its errors named, instead."""
        if not may_audit(request):
            raise PermissionDenied
        _form, table = self._table(request)
        if table is None:
            return self.changelist_view(request)
        filename = f"statistics-{table.subject}-{table.period.code.replace('..', '-')}.{extension}"
        return respond(filename=filename, header=export_header(table), rows=export_rows(table))

    def changelist_view(self, request, extra_context=None):
        if not may_audit(request):
            raise PermissionDenied
        form, table = self._table(request)
        drawn, rows = [], []
        if table is not None:
            reasons = None
            if table.subject == "eligibility":
                reasons = selectors.table("eligibility", table.period, "reason")
            drawn = charts(table, reasons)
            rows = [
                (
                    row,
                    [(shown(row.current[f.code], f.unit), shown(row.previous[f.code], f.unit)) for f in table.figures],
                )
                for row in [*table.rows, table.total]
            ]
        context = {
            **self.admin_site.each_context(request),
            "title": self.model._meta.verbose_name,
            "opts": self.model._meta,
            "form": form,
            "table": table,
            "rows": rows,
            "charts": drawn,
            "query": form.query(),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/stats/statistics.html", context)


for model in (FilingStatistics, ClaimStatistics, ServiceStatistics, EligibilityStatistics):
    admin.site.register(model, StatisticsAdmin)
