"""The statistics API's shapes, built from the figure lists of ``stats.selectors``: one answer type per subject,
each figure a named, typed field, so a generated client reads ``total.current.approved`` as a number."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api.inputs import QueryInputSerializer, bound_dates
from stats.selectors import SUBJECTS, Subject, Unit

SHARE_NOTE = _("0 to 1; null when nothing to divide.")
NULL_NOTE = _("Null when there is nothing to count.")


def _figure_field(figure) -> serializers.Field:
    text = " ".join(str(part) for part in (figure.label, figure.help) if part)
    if figure.unit == Unit.COUNT:
        return serializers.IntegerField(help_text=text)
    if figure.unit == Unit.MONEY:
        return serializers.DecimalField(max_digits=16, decimal_places=2, help_text=text)
    if figure.unit == Unit.SHARE:
        return serializers.FloatField(allow_null=True, help_text=f"{text} {SHARE_NOTE}")
    return serializers.FloatField(allow_null=True, help_text=f"{text} {NULL_NOTE}")


def _name(subject: Subject) -> str:
    return subject.code.capitalize().rstrip("s")


def query_serializer(subject: Subject) -> type[QueryInputSerializer]:
    class Query(QueryInputSerializer):
        period = serializers.CharField(
            max_length=10,
            required=False,
            help_text=_("A month (2026-11), a quarter (2026-Q4) or a year (2026); the last whole month by default."),
        )
        period_from = serializers.DateField(required=False, help_text=_("Instead of period: the first day."))
        period_to = serializers.DateField(required=False, help_text=_("Instead of period: the last day (inclusive)."))
        group_by = serializers.ChoiceField(
            choices=list(subject.groupings), required=False, help_text=_("Figures by group besides the total.")
        )

        def get_fields(self):
            fields = super().get_fields()
            for name in ("period_from", "period_to"):
                bound_dates(fields[name])
            return fields

    Query.__name__ = f"{_name(subject)}StatisticsQuery"
    return Query


def answer_serializer(subject: Subject) -> type[serializers.Serializer]:
    figures = type(
        f"{_name(subject)}Figures",
        (serializers.Serializer,),
        {figure.code: _figure_field(figure) for figure in subject.figures},
    )
    row = type(
        f"{_name(subject)}StatisticsRow",
        (serializers.Serializer,),
        {
            "key": serializers.CharField(allow_null=True, help_text=_("The group's code; null for the total.")),
            "name": serializers.CharField(help_text=_("The group's name.")),
            "current": figures(help_text=_("The period's figures.")),
            "previous": figures(help_text=_("The same days a year before.")),
        },
    )
    return type(
        f"{_name(subject)}Statistics",
        (serializers.Serializer,),
        {
            "period": PeriodSerializer(),
            "compared_with": PeriodSerializer(source="previous_period"),
            "group_by": serializers.ChoiceField(
                choices=list(subject.groupings), source="grouping.code", allow_null=True, default=None
            ),
            "total": row(),
            "groups": row(many=True, source="rows"),
        },
    )


class PeriodSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("2026-11, 2026-Q4, 2026, or 2026-01-05..2026-02-10."))
    name = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(help_text=_("Inclusive."))


# The groupings of each subject, named in the schema (settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
FILING_GROUPINGS = list(SUBJECTS["filings"].groupings)
CLAIM_GROUPINGS = list(SUBJECTS["claims"].groupings)
SERVICE_GROUPINGS = list(SUBJECTS["service"].groupings)
ELIGIBILITY_GROUPINGS = list(SUBJECTS["eligibility"].groupings)

QUERIES = {code: query_serializer(subject) for code, subject in SUBJECTS.items()}
ANSWERS = {code: answer_serializer(subject) for code, subject in SUBJECTS.items()}
