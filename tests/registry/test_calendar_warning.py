"""From 1 November, administrators are warned on the admin index until next year's holiday calendar is entered."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.choices import Role
from registry.models import HolidayYear
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
# 1 November 00:30 in Shanghai is still 31 October in UTC: the day is Shanghai's.
LAST_OCTOBER = datetime.datetime(2026, 10, 31, 23, 30, tzinfo=SHANGHAI)
FIRST_NOVEMBER = datetime.datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI)


@pytest.fixture
def on(monkeypatch):
    def travel(moment: datetime.datetime):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return travel


def index(role: str, **user) -> str:
    client = Client()
    client.force_login(UserFactory(role=role, **user))
    return client.get("/admin/").content.decode()


def test_administrators_are_warned_from_1_november_with_links_to_enter_the_year(on):
    on(LAST_OCTOBER)
    assert 'id="desk-notices"' not in index(Role.ADMIN)
    on(FIRST_NOVEMBER)
    html = index(Role.ADMIN)
    assert 'id="desk-notices"' in html
    assert "2027年的节假日安排尚未录入" in html
    assert 'href="/admin/registry/holiday/add/"' in html
    assert 'href="/admin/registry/holidayyear/add/?year=2027"' in html


def test_a_superuser_is_warned_too(on):
    on(FIRST_NOVEMBER)
    assert 'id="desk-notices"' in index(Role.COUNTER, is_superuser=True)


@pytest.mark.parametrize("role", [Role.COUNTER, Role.REVIEWER, Role.AUDITOR])
def test_staff_who_cannot_enter_holidays_are_not_warned(on, role):
    on(FIRST_NOVEMBER)
    assert 'id="desk-notices"' not in index(role)


def test_the_warning_ends_when_the_year_is_marked_published(on):
    on(FIRST_NOVEMBER)
    HolidayYear.objects.create(year=2027)
    assert 'id="desk-notices"' not in index(Role.ADMIN)


def test_a_missing_calendar_for_the_current_year_is_told_all_year(on):
    on(datetime.datetime(2027, 3, 1, 9, 0, tzinfo=SHANGHAI))
    html = index(Role.ADMIN)
    assert "2027年的节假日安排尚未录入" in html and "2028年" not in html


@pytest.mark.parametrize("year", ["0", "1899", "2101", "65535", "70000"])
def test_marking_a_year_outside_1900_to_2100_is_refused_naming_it(year):
    from django.test import Client

    from registry.models import HolidayYear
    from tests.factories import UserFactory

    admin = Client()
    admin.force_login(UserFactory(role="admin"))
    before = HolidayYear.objects.count()
    response = admin.post("/admin/registry/holidayyear/add/", {"year": year})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert "year" in response.context["adminform"].form.errors
    assert HolidayYear.objects.count() == before
