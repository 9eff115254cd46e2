"""Periods as people name them, what is refused (400 naming the parameter, the same on the API and the pages),
and who may see the statistics: auditors and administrators, never the desks, persons or hospitals."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from config.errors import ValidationFailed
from stats import periods
from tests.factories import PersonFactory, UserFactory, referring_hospital

D = datetime.date


@pytest.mark.parametrize(
    ("code", "start", "end", "before"),
    [
        ("2026-11", D(2026, 11, 1), D(2026, 11, 30), ("2025-11", D(2025, 11, 1), D(2025, 11, 30))),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29), ("2023-02", D(2023, 2, 1), D(2023, 2, 28))),
        ("2026-q4", D(2026, 10, 1), D(2026, 12, 31), ("2025-Q4", D(2025, 10, 1), D(2025, 12, 31))),
        ("2026-Q1", D(2026, 1, 1), D(2026, 3, 31), ("2025-Q1", D(2025, 1, 1), D(2025, 3, 31))),
        ("2026", D(2026, 1, 1), D(2026, 12, 31), ("2025", D(2025, 1, 1), D(2025, 12, 31))),
        ("2026-3", D(2026, 3, 1), D(2026, 3, 31), ("2025-03", D(2025, 3, 1), D(2025, 3, 31))),
    ],
)
def test_a_named_period_and_the_same_days_a_year_before(code, start, end, before):
    period = periods.named(code)
    assert (period.start, period.end) == (start, end)
    previous = period.year_before()
    assert (previous.code, previous.start, previous.end) == before


@pytest.mark.parametrize(
    ("start", "end", "before"),
    [
        (D(2024, 2, 1), D(2024, 2, 29), (D(2023, 2, 1), D(2023, 2, 28))),  # a month's end stays its end
        (D(2025, 2, 10), D(2025, 2, 28), (D(2024, 2, 10), D(2024, 2, 29))),
        (D(2026, 1, 5), D(2026, 2, 10), (D(2025, 1, 5), D(2025, 2, 10))),
    ],
)
def test_a_span_a_year_before(start, end, before):
    previous = periods.between(start, end).year_before()
    assert (previous.start, previous.end) == before


def test_the_instants_of_a_period_are_whole_days_in_the_bureaus_time_zone():
    first, after = periods.named("2026-11").instants()
    assert first.isoformat() == "2026-11-01T00:00:00+08:00" and after.isoformat() == "2026-12-01T00:00:00+08:00"


def test_the_default_is_the_last_whole_month():
    assert periods.last_month(D(2026, 1, 15)).code == "2025-12"
    assert periods.chosen().start == periods.last_month().start


def test_five_years_at_most():
    assert periods.between(D(2021, 1, 1), D(2025, 12, 31)).days == 1826
    with pytest.raises(ValidationFailed) as refused:
        periods.between(D(2021, 1, 1), D(2026, 1, 1))
    assert list(refused.value.errors) == ["period_to"]


def auditor_api(client_for):
    return client_for(role=Role.AUDITOR)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"period": "2026-13"}, "period"),
        ({"period": "2026-Q5"}, "period"),
        ({"period": "last month"}, "period"),
        ({"period": "1899"}, "period"),
        ({"period_from": "2020-01-01", "period_to": "2026-01-01"}, "period_to"),  # more than five years
        ({"period_from": "2026-11-30", "period_to": "2026-11-01"}, "period_to"),  # ends before it starts
        ({"period_from": "2026-11-01"}, "period_to"),
        ({"period_to": "2026-11-01"}, "period_from"),
        ({"period": "2026-11", "period_from": "2026-11-01", "period_to": "2026-11-02"}, "period"),
        ({"period_from": "2026-02-30", "period_to": "2026-03-01"}, "period_from"),
        ({"period_from": "0001-01-01", "period_to": "2026-03-01"}, "period_from"),
        ({"group_by": "person"}, "group_by"),
        ({"group_by": "reviewer"}, "group_by"),  # a grouping of service times, not of filings
    ],
)
def test_bad_input_is_a_400_naming_the_parameter_on_the_api_and_the_page(query, field, client_for):
    answer = client_for(role=Role.AUDITOR).get("/api/v1/stats/filings/", query)
    assert answer.status_code == 400, answer.content
    body = answer.json()
    assert body["code"] == "invalid" and list(body["errors"]) == [field], body

    page = Client()
    page.force_login(UserFactory(role=Role.AUDITOR))
    shown = page.get(reverse("admin:stats_filingstatistics_changelist"), query)
    assert shown.status_code == 200
    form = shown.context["form"]
    assert field in form.errors, form.errors
    assert shown.context["table"] is None
    exported = page.get(reverse("admin:stats_filingstatistics_export_xlsx"), query)
    assert exported.status_code == 200 and "html" in exported["Content-Type"]  # the page again, with the error


@pytest.mark.django_db
@pytest.mark.parametrize("subject", ["filings", "claims", "service", "eligibility"])
def test_only_auditors_and_administrators_read_the_statistics_api(subject, client_for):
    url = f"/api/v1/stats/{subject}/"
    assert client_for(role=Role.AUDITOR).get(url).status_code == 200
    assert client_for(role=Role.ADMIN).get(url).status_code == 200
    for caller in (
        client_for(role=Role.COUNTER),
        client_for(role=Role.REVIEWER),
        client_for(channel="xm_wechat"),
        client_for(channel="hospital", institution=referring_hospital()),
        client_for(person=PersonFactory()),
    ):
        answer = caller.get(url, {"period": "2026-11"})
        assert answer.status_code == 403, answer.content
        assert answer.json()["code"] == "permission_denied"
    assert Client().get(url).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["filingstatistics", "claimstatistics", "servicestatistics", "eligibilitystatistics"])
def test_the_desks_see_no_statistics_page_nor_its_exports(model):
    for role, allowed in ((Role.AUDITOR, True), (Role.ADMIN, True), (Role.COUNTER, False), (Role.REVIEWER, False)):
        client = Client()
        client.force_login(UserFactory(role=role))
        for name in ("changelist", "export", "export_xlsx"):
            answer = client.get(reverse(f"admin:stats_{model}_{name}"), {"period": "2026-11"})
            assert (answer.status_code == 200) is allowed, (role, name, answer.status_code)
            if not allowed:
                assert answer.status_code == 403
        index = client.get(reverse("admin:index")).content.decode()
        assert (f"/admin/stats/{model}/" in index) is allowed, role


@pytest.mark.django_db
@pytest.mark.parametrize(("given", "code"), [("2021", "2021"), ("２０２６－１１", "2026-11"), ("2024-q3", "2024-Q3")])
def test_the_page_and_the_api_take_the_same_periods_beyond_the_list(given, code, client_for):
    """A bookmarked period older than the list's, full-width digits, a lower-case q: taken by both alike."""
    answer = client_for(role=Role.AUDITOR).get("/api/v1/stats/claims/", {"period": given})
    assert answer.status_code == 200 and answer.json()["period"]["code"] == code
    page = Client()
    page.force_login(UserFactory(role=Role.AUDITOR))
    shown = page.get(reverse("admin:stats_claimstatistics_changelist"), {"period": given})
    assert shown.context["table"].period.code == code
    assert f'<option value="{code}" selected>' in shown.content.decode()


@pytest.mark.django_db
def test_digits_of_other_scripts_are_not_a_year(client_for):
    answer = client_for(role=Role.AUDITOR).get("/api/v1/stats/claims/", {"period": "٢٠٢٦"})
    assert answer.status_code == 400 and list(answer.json()["errors"]) == ["period"]


def test_a_running_period_is_compared_with_as_many_days_a_year_before():
    running = periods.named("2026-12")
    assert running.so_far(D(2026, 12, 4)).year_before().code == "2025-12-01..2025-12-04"
    ended = periods.named("2026-11")
    assert ended.so_far(D(2026, 12, 4)) is ended
    assert periods.named("2027").so_far(D(2026, 12, 4)).code == "2027"  # not begun: as it is
