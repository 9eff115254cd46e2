"""The statistics API for the bureau's reporting tools: the figures of the admin's statistics pages, as JSON.

``GET /api/v1/stats/{filings,claims,service,eligibility}/?period=2026-11&group_by=…`` (auditors and
administrators). Every answer holds the period's figures and those of the same days a year before, in total and,
with ``group_by``, by group.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.permissions import AUDITORS
from config.api.exceptions import ERRORS
from config.api.inputs import parse_input
from config.api.permissions import allow
from stats import periods, selectors
from stats.api.serializers import ANSWERS, QUERIES


class StatisticsView(APIView):
    permission_classes = [allow(*AUDITORS)]
    subject = ""

    def get(self, request):
        params = parse_input(QUERIES[self.subject], request.query_params)
        period = periods.chosen(params.get("period"), params.get("period_from"), params.get("period_to"))
        result = selectors.table(self.subject, period, params.get("group_by"))
        return Response(ANSWERS[self.subject](result).data)


def statistics_view(subject: str):
    spec = selectors.SUBJECTS[subject]
    name = subject.capitalize()

    def get(self, request):  # a function of its own per view: the schema annotation is set on it
        return StatisticsView.get(self, request)

    view = type(f"{name}StatisticsView", (StatisticsView,), {"subject": subject, "__doc__": f"{spec.label}."})
    view.get = extend_schema(
        tags=["stats"],
        description=(
            f"The figures of {subject} in a period and the same days a year before; by group with `group_by`. "
            "A period still running is counted up to today and compared with as many days a year before. "
            "A period of more than five years, an end before the start or an unknown group: 400 naming the "
            "parameter. Auditors and administrators only."
        ),
        parameters=[QUERIES[subject]],
        responses={200: ANSWERS[subject], **ERRORS},
    )(get)
    return view
