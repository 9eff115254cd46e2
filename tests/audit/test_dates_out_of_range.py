"""Dates a filter cannot take are a 400 on every path, never a 500 (hostile review of issue 24): the year 1, a
year of eleven digits, a naive instant that would overflow as it is made aware."""

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LISTS = [
    "/admin/filings/filing/?submitted_at__gte=0001-01-01",
    "/admin/reimbursements/claim/?submitted_at__gte=0001-01-01",
    "/admin/notifications/notification/?created_at__gte=0001-01-01",
    "/admin/registry/persondataaccess/?at__gte=0001-01-01",
    "/admin/audit/eligibilityquestion/?at__gte=0001-01-01",
    "/admin/reimbursements/claim/?submitted_at__year=99999999999",
    "/admin/filings/filing/?submitted_at__day=99999999999&submitted_at__month=1&submitted_at__year=2026",
    "/admin/filings/filing/?submitted_at__gte=2026-13-45",
    "/admin/registry/holiday/?date__year=99999999999",
]


@pytest.mark.parametrize("url", ADMIN_LISTS)
def test_admin_date_filters_out_of_range_are_400(url):
    client = Client()
    client.force_login(UserFactory(role="admin"))
    assert client.get(url).status_code == 400


def test_admin_date_filters_in_range_still_filter():
    client = Client()
    client.force_login(UserFactory(role="admin"))
    assert client.get("/admin/filings/filing/?submitted_at__gte=2026-01-01").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/audit/events/?at_before=0001-01-01T00:00:00",
        "/api/v1/audit/events/?at_after=0001-01-01T00:00:00",
        "/api/v1/audit/persons/350203195603120312/as-of/?at=0001-01-01T00:00:00",
    ],
)
def test_api_instants_out_of_range_are_400_naming_the_field(auditor, url):
    response = auditor.get(url)
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) & {"at_before", "at_after", "at"}


def test_the_admin_event_browser_refuses_the_year_1():
    client = Client()
    client.force_login(UserFactory(role="auditor"))
    response = client.get("/admin/audit/auditevent/", {"at_after": "0001-01-01T00:00:00"})
    assert response.status_code in (200, 400)
    assert "1900-01-01" in response.content.decode()
