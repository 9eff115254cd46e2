"""The calendar beyond the table: the statutory holidays, provisional due dates, and a new year entered.

The statutory rule is checked against the State Council's published calendars the table holds
(chinese-calendar's 2020-2026) and, for 2027-2030, against the dates of the published lunar
calendar (农历; its authority is 紫金山天文台's 《中国天文年历》), typed here rather than computed.
"""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from accounts.choices import Role
from config.actors import Actor
from config.errors import ValidationFailed
from filings import services as filing_services
from filings.choices import FilingState
from filings.models import Filing
from registry.calendar import calendar_recompute, holidays_load
from registry.choices import HolidayKind
from registry.models import Holiday, HolidayYear
from registry.selectors import due_date_after, working_days_after
from registry.statutory import rule_for, statutory_days_off, statutory_holidays
from registry.workdays import DueDate
from reimbursements.choices import ClaimState
from tests.factories import (
    ClaimFactory,
    FilingFactory,
    FilingRequestFactory,
    HolidayFactory,
    PersonFactory,
    UserFactory,
    filing_attach_required_documents,
)

D = datetime.date
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))

# --- the rule against the published calendars --------------------------------------------------------

# Weekdays the State Council gave off beyond the law (bridge days, 调休), each worked back on a weekend day:
# in every year as many bridge days as make-up workdays. Not statutory: the fallback never assumes them.
BRIDGE_DAYS = {
    2024: [D(2024, 2, 15), D(2024, 2, 16), D(2024, 4, 5), D(2024, 5, 2), D(2024, 5, 3), D(2024, 9, 16),
           D(2024, 10, 4), D(2024, 10, 7)],
    2025: [D(2025, 2, 3), D(2025, 2, 4), D(2025, 5, 5), D(2025, 10, 7), D(2025, 10, 8)],
    2026: [D(2026, 1, 2), D(2026, 2, 20), D(2026, 2, 23), D(2026, 5, 5), D(2026, 10, 6), D(2026, 10, 7)],
}  # fmt: skip
# Weekdays in lieu of a festival day on a weekend (补假): statutory, and computed by the rule.
IN_LIEU_DAYS = {
    2024: [D(2024, 2, 13), D(2024, 2, 14)],  # 初一 and 初二 on Saturday and Sunday
    2025: [D(2025, 6, 2)],  # 端午 on Saturday
    2026: [D(2026, 4, 6), D(2026, 5, 4), D(2026, 10, 5)],  # 清明 Sunday, 劳动节 2 May Saturday, 国庆 3 Oct Saturday
}


def table(year: int, kind: str) -> set[datetime.date]:
    return set(Holiday.objects.filter(date__year=year, kind=kind).values_list("date", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("year", [2020, 2021, 2022, 2023, 2024, 2025, 2026])
def test_every_statutory_day_off_is_a_holiday_of_the_published_calendar(year):
    assert HolidayYear.objects.filter(year=year).exists()
    assert set(statutory_days_off(year)) <= table(year, HolidayKind.HOLIDAY)
    assert not set(statutory_days_off(year)) & table(year, HolidayKind.WORKDAY)


@pytest.mark.django_db
@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_published_calendar_adds_only_bridge_days_worked_back_on_weekends(year):
    statutory = statutory_days_off(year)
    weekdays_off = {day for day in table(year, HolidayKind.HOLIDAY) if day.weekday() < 5}
    assert sorted(weekdays_off - set(statutory)) == BRIDGE_DAYS[year]  # bridge days, not statutory
    assert len(BRIDGE_DAYS[year]) == len(table(year, HolidayKind.WORKDAY))
    assert [day for day, name in statutory.items() if name.endswith("补假")] == IN_LIEU_DAYS[year]


def test_the_2024_amendment_governs_from_2025_on():
    """国务院令第795号 added 除夕 and 2 May from 1 January 2025; 2024 was counted by the 2013 text."""
    assert rule_for(2024).since == 2014 and rule_for(2025).since == 2025
    assert D(2024, 2, 9) not in statutory_holidays(2024)  # 除夕 2024: a working day (the table agrees)
    assert D(2024, 5, 2) not in statutory_holidays(2024)
    assert statutory_holidays(2025)[D(2025, 1, 28)] == "春节"  # 除夕 2025
    assert statutory_holidays(2025)[D(2025, 5, 2)] == "劳动节"
    assert len(statutory_holidays(2024)) == 11 and len(statutory_holidays(2025)) == 13


# --- the rule against the lunar calendar, 2027-2030 ----------------------------------------------------

# year: (除夕, 春节 初一, 清明, 端午, 中秋)
LUNAR = {
    2027: (D(2027, 2, 5), D(2027, 2, 6), D(2027, 4, 5), D(2027, 6, 9), D(2027, 9, 15)),
    2028: (D(2028, 1, 25), D(2028, 1, 26), D(2028, 4, 4), D(2028, 5, 28), D(2028, 10, 3)),
    2029: (D(2029, 2, 12), D(2029, 2, 13), D(2029, 4, 4), D(2029, 6, 16), D(2029, 9, 22)),
    2030: (D(2030, 2, 2), D(2030, 2, 3), D(2030, 4, 5), D(2030, 6, 5), D(2030, 9, 12)),
}


@pytest.mark.parametrize("year", list(LUNAR))
def test_the_festivals_fall_on_the_lunar_dates_and_the_solar_term(year):
    eve, new_year, qingming, duanwu, zhongqiu = LUNAR[year]
    holidays = statutory_holidays(year)
    spring = [eve + datetime.timedelta(days=n) for n in range(4)]  # 除夕 to 初三
    assert spring[1] == new_year
    assert [day for day, name in holidays.items() if name == "春节"] == spring
    assert holidays[qingming] == "清明节"
    assert holidays[duanwu] == "端午节"
    # 2028: 中秋 is 3 October, a National Day too; the day it shares is made up (below).
    assert holidays[zhongqiu] == "中秋节"
    assert holidays[D(year, 1, 1)] == "元旦"
    assert [day for day, name in holidays.items() if name == "劳动节"] == [D(year, 5, 1), D(year, 5, 2)]
    assert [day for day, name in holidays.items() if name == "国庆节"] == [
        D(year, 10, d) for d in (1, 2, 3) if D(year, 10, d) != zhongqiu
    ]


def test_2027_in_full_days_in_lieu_included():
    assert statutory_days_off(2027) == {
        D(2027, 1, 1): "元旦",
        D(2027, 2, 5): "春节",
        D(2027, 2, 6): "春节",
        D(2027, 2, 7): "春节",
        D(2027, 2, 8): "春节",
        D(2027, 2, 9): "春节补假",  # for Saturday 6 and Sunday 7 February
        D(2027, 2, 10): "春节补假",
        D(2027, 4, 5): "清明节",
        D(2027, 5, 1): "劳动节",
        D(2027, 5, 2): "劳动节",
        D(2027, 5, 3): "劳动节补假",
        D(2027, 5, 4): "劳动节补假",
        D(2027, 6, 9): "端午节",
        D(2027, 9, 15): "中秋节",
        D(2027, 10, 1): "国庆节",
        D(2027, 10, 2): "国庆节",
        D(2027, 10, 3): "国庆节",
        D(2027, 10, 4): "国庆节补假",
        D(2027, 10, 5): "国庆节补假",
    }


def test_a_festival_sharing_a_day_with_another_is_made_up():
    """2028: 中秋 on 3 October (a Tuesday and a National Day), 1 October a Sunday: two days in lieu."""
    off = statutory_days_off(2028)
    assert [day for day in off if day.month == 10] == [D(2028, 10, d) for d in range(1, 6)]


# --- counting working days beyond the table -----------------------------------------------------------


@pytest.mark.django_db
class TestBeyondTheTable:
    def test_new_years_day_2027_is_not_a_working_day_and_the_due_date_is_provisional(self):
        # Thursday 31 December 2026, 元旦 Friday, Monday 4, Tuesday 5 January.
        assert due_date_after(D(2026, 12, 30), 3) == DueDate(D(2027, 1, 5), provisional=True)

    def test_a_count_inside_a_published_year_is_final(self):
        due = due_date_after(D(2026, 12, 1), 3)
        assert (due.day, due.provisional) == (D(2026, 12, 4), False)

    def test_weekends_stay_off_and_no_make_up_workday_is_assumed(self):
        # 除夕 Friday 5 February 2027 to 初三; 9 and 10 in lieu; Saturday 13 is not worked.
        assert working_days_after(D(2027, 2, 4), 3) == D(2027, 2, 15)

    def test_rows_entered_for_an_unpublished_year_count_at_once_over_the_statutory_days(self):
        HolidayFactory(date=D(2027, 2, 11), name="春节")  # bridge days
        HolidayFactory(date=D(2027, 2, 12), name="春节")
        HolidayFactory(date=D(2027, 2, 20), kind=HolidayKind.WORKDAY, name="春节调休上班")
        assert working_days_after(D(2027, 2, 4), 3) == D(2027, 2, 17)
        assert due_date_after(D(2027, 2, 17), 3) == DueDate(D(2027, 2, 20), provisional=True)  # the make-up Saturday

    def test_a_published_year_counts_the_table_alone(self):
        # 1 January 2090 is a Sunday: the statute makes it up on Monday 2, a calendar without rows does not.
        assert due_date_after(D(2089, 12, 30), 1) == DueDate(D(2090, 1, 3), provisional=True)
        HolidayYear.objects.create(year=2090)
        # Still provisional: the count crosses 31 December 2089, a day of a year without a calendar.
        assert due_date_after(D(2089, 12, 30), 1) == DueDate(D(2090, 1, 2), provisional=True)
        HolidayYear.objects.create(year=2089)
        assert due_date_after(D(2089, 12, 30), 1) == DueDate(D(2090, 1, 2), provisional=False)

    def test_counting_no_day_is_never_provisional(self):
        assert due_date_after(D(2027, 3, 1), 0) == DueDate(D(2027, 3, 1), provisional=False)


# --- what staff see -------------------------------------------------------------------------------------


@pytest.fixture
def on(monkeypatch):
    """on(moment): the clock reads ``moment`` (an aware datetime) until the next call or the end of the test."""

    def travel(moment: datetime.datetime):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return travel


def fast_track_filing() -> Filing:
    person = PersonFactory()
    filing = filing_services.filing_submit(
        actor=Actor.person(person_id=person.pk, channel_code="xm_wechat"),
        data=FilingRequestFactory(fast_track=True, start_date=timezone.localdate()),
    )
    filing_attach_required_documents(filing)
    return filing


def as_role(role: str) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


@pytest.mark.django_db
class TestProvisionalDueDates:
    def test_the_api_and_the_queue_say_a_due_date_in_2027_is_provisional(self, on, client_for):
        on(datetime.datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI))
        filing = fast_track_filing()
        body = client_for(role=Role.REVIEWER).get(f"/api/v1/filings/{filing.reference}/").json()
        assert (body["review_due"], body["review_due_provisional"]) == ("2027-01-05", True)
        html = as_role(Role.REVIEWER).get("/admin/filings/filingreviewqueue/").content.decode()
        assert "2027年1月5日（暂定）" in html

    def test_a_claim_due_in_2027_is_provisional_in_the_api(self, on, client_for):
        on(datetime.datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI))
        claim = ClaimFactory()
        # 20 working days: 19 in December, 元旦 off, then Monday 4 January.
        assert (claim.review_due, claim.review_due_provisional) == (D(2027, 1, 4), True)
        body = client_for(role=Role.REVIEWER).get(f"/api/v1/claims/{claim.reference}/").json()
        assert (body["review_due"], body["review_due_provisional"]) == ("2027-01-04", True)

    def test_a_due_date_inside_a_published_year_is_not_marked(self, on, client_for):
        on(datetime.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI))
        filing = fast_track_filing()
        body = client_for(role=Role.REVIEWER).get(f"/api/v1/filings/{filing.reference}/").json()
        assert (body["review_due"], body["review_due_provisional"]) == ("2026-12-04", False)

    def test_the_schema_documents_the_flag(self, client_for):
        schema = client_for().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
        for component in ("Filing", "Claim"):
            field = schema["components"]["schemas"][component]["properties"]["review_due_provisional"]
            assert field["type"] == "boolean" and field["description"]


# --- entering a year recounts the open due dates ----------------------------------------------------------

CALENDAR_2027 = [  # 国办发明电 for 2027 is not out yet: an assumed calendar, as the State Council might publish it
    *[(D(2027, 1, d), "holiday", "元旦") for d in (1, 2, 3)],
    *[(D(2027, 2, d), "holiday", "春节") for d in range(5, 13)],
    (D(2027, 2, 20), "workday", "春节调休上班"),
    *[(D(2027, 4, d), "holiday", "清明节") for d in (3, 4, 5)],
    *[(D(2027, 5, d), "holiday", "劳动节") for d in range(1, 6)],
    (D(2027, 6, 9), "holiday", "端午节"),
    (D(2027, 9, 15), "holiday", "中秋节"),
    *[(D(2027, 10, d), "holiday", "国庆节") for d in range(1, 8)],
]


def admin_client() -> tuple[Client, object]:
    user = UserFactory(role=Role.ADMIN)
    client = Client()
    client.force_login(user)
    return client, user


@pytest.mark.django_db
class TestEnteringAYear:
    @pytest.fixture
    def waiting(self, on):
        """A filing and two claims awaiting a decision, due in January 2027; a claim awaiting its person; a
        filing due in 2026."""
        on(datetime.datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI))
        filing = fast_track_filing()  # due Tuesday 5 January (元旦 off by the statute)
        on(datetime.datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI))
        claim = ClaimFactory()  # due Monday 4 January
        in_review = ClaimFactory(state=ClaimState.UNDER_REVIEW)
        waiting_on_person = ClaimFactory(state=ClaimState.MATERIALS_INCOMPLETE)
        due_this_year = FilingFactory(state=FilingState.SUBMITTED, effective_at=None, review_due=D(2026, 12, 7))
        on(datetime.datetime(2026, 12, 31, 9, 0, tzinfo=SHANGHAI))
        return filing, claim, in_review, waiting_on_person, due_this_year

    def test_a_holiday_entered_in_the_admin_moves_the_due_dates_with_an_event_each(self, waiting):
        filing, claim, in_review, waiting_on_person, due_this_year = waiting
        client, user = admin_client()
        response = client.post(
            "/admin/registry/holiday/add/", {"date": "2027-01-04", "kind": "holiday", "name": "元旦"}, follow=True
        )
        assert response.status_code == 200 and Holiday.objects.filter(date=D(2027, 1, 4)).exists()
        assert "已按新的节假日安排重新计算 3 个审核期限（见各记录的历史）。" in [
            str(message) for message in response.context["messages"]
        ]
        for record in (filing, claim, in_review, waiting_on_person, due_this_year):
            record.refresh_from_db()
        assert (filing.state, filing.review_due, filing.review_due_provisional) == ("submitted", D(2027, 1, 6), True)
        assert (claim.state, claim.review_due) == ("submitted", D(2027, 1, 5))
        assert (in_review.state, in_review.review_due) == ("under_review", D(2027, 1, 5))
        event = filing.events.order_by("-id").first()
        assert (event.action, event.from_state, event.to_state) == ("recompute_due", "submitted", "submitted")
        assert event.changes == {"review_due": ["2027-01-05", "2027-01-06"]}
        # The system counts; the reason names who changed the calendar.
        assert (event.actor_label, event.actor_id) == ("system", None)
        assert event.reason == f"staff:{user.username} 变更了2027年的节假日安排，审核期限已重新计算。"
        assert claim.events.order_by("-id").first().changes == {"review_due": ["2027-01-04", "2027-01-05"]}
        # Not awaiting the bureau's decision, or due before the year: untouched.
        assert not waiting_on_person.events.filter(action="recompute_due").exists()
        assert not due_this_year.events.exists() and due_this_year.review_due == D(2026, 12, 7)

    def test_publishing_the_year_confirms_the_dates_and_says_so_on_each_record(self, waiting):
        filing, claim, *_others = waiting
        holidays_load(CALENDAR_2027, actor=Actor.system())  # rows first (the loader recounts too)
        filing.refresh_from_db()
        assert (filing.review_due, filing.review_due_provisional) == (D(2027, 1, 5), True)  # 2-3 January a weekend
        client, _user = admin_client()
        response = client.post("/admin/registry/holidayyear/add/", {"year": "2027", "notice": "国办发明电〔2026〕1号"})
        assert response.status_code == 302
        filing.refresh_from_db()
        claim.refresh_from_db()
        assert (filing.review_due, filing.review_due_provisional) == (D(2027, 1, 5), False)
        assert filing.events.order_by("-id").first().changes == {"review_due_provisional": [True, False]}
        assert claim.review_due_provisional is False
        body = as_role(Role.REVIEWER).get("/admin/filings/filingreviewqueue/").content.decode()
        assert "（暂定）" not in body

    def test_a_year_lacking_a_statutory_day_cannot_be_published(self):
        client, _user = admin_client()
        response = client.post("/admin/registry/holidayyear/add/", {"year": "2027"})
        assert response.status_code == 200
        assert "2027-01-01 元旦" in str(response.context["adminform"].form.errors["year"])
        assert not HolidayYear.objects.filter(year=2027).exists()

    def test_an_unchanged_due_date_writes_no_event(self, waiting):
        filing, *_ = waiting
        count = filing.events.count()
        assert calendar_recompute(years=[2027], actor=Actor.system()) == 0
        assert filing.events.count() == count

    def test_deleting_a_row_counts_again_too(self, waiting):
        filing, *_ = waiting
        HolidayFactory(date=D(2027, 1, 4), name="元旦")
        calendar_recompute(years=[2027], actor=Actor.system())
        client, _user = admin_client()
        response = client.post("/admin/registry/holiday/2027-01-04/delete/", {"post": "yes"})
        assert response.status_code == 302
        filing.refresh_from_db()
        assert filing.review_due == D(2027, 1, 5)
        assert [e.action for e in filing.events.order_by("id")][-2:] == ["recompute_due", "recompute_due"]


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestBadInput:
    @pytest.mark.parametrize("day", ["1899-12-31", "2101-01-01"])
    def test_a_holiday_outside_1900_to_2100_is_a_form_error_on_the_date(self, day):
        client, _user = admin_client()
        response = client.post("/admin/registry/holiday/add/", {"date": day, "kind": "holiday", "name": "元旦"})
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["date"] == ["请输入1900年至2100年之间的日期。"]
        assert not Holiday.objects.filter(date=day).exists()

    def test_the_database_refuses_it_too(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Holiday.objects.create(date=D(1899, 12, 31), kind=HolidayKind.HOLIDAY, name="x")
        with pytest.raises(IntegrityError), transaction.atomic():
            HolidayYear.objects.create(year=2101)

    def test_a_year_outside_1900_to_2100_is_a_form_error_on_the_year(self):
        client, _user = admin_client()
        response = client.post("/admin/registry/holidayyear/add/", {"year": "2101"})
        assert response.status_code == 200 and "year" in response.context["adminform"].form.errors

    def test_the_loader_names_the_row_and_the_field_and_writes_nothing(self):
        rows = [(D(2027, 1, 1), "holiday", "元旦"), ("1899-12-31", "holiday", "元旦")]
        with pytest.raises(ValidationFailed) as refused:
            holidays_load(rows, actor=Actor.system())
        assert refused.value.errors == {"row 2": ["date: 请输入1900年至2100年之间的日期。"]}
        assert not Holiday.objects.filter(date=D(2027, 1, 1)).exists()


# --- the commands ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_holidays_enters_and_publishes_a_year(tmp_path, capsys):
    csv = tmp_path / "2027.csv"
    csv.write_text(
        "# 2027\ndate,kind,name\n" + "".join(f"{d.isoformat()},{k},{n}\n" for d, k, n in CALENDAR_2027),
        encoding="utf-8",
    )
    call_command("load_holidays", str(csv), "--publish", "2027")
    assert Holiday.objects.filter(date__year=2027).count() == len(CALENDAR_2027)
    assert HolidayYear.objects.filter(year=2027).exists()
    assert "published: 2027" in capsys.readouterr().out


@pytest.mark.django_db
def test_check_calendar_fails_while_next_years_calendar_is_missing_from_1_november(on):
    on(datetime.datetime(2026, 10, 31, 12, 0, tzinfo=SHANGHAI))
    call_command("check_calendar")
    on(datetime.datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI))
    with pytest.raises(CommandError, match="2027"):
        call_command("check_calendar")
    HolidayYear.objects.create(year=2027)
    call_command("check_calendar")
