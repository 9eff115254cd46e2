"""Filings keep time honest: each rule with its boundaries, through the API (SPEC §9; docs/policy/filings.md).

Dates are relative to ``timezone.localdate()`` and the policy's numbers (``FilingPolicy``:
12 months back, 3 months ahead, emergencies at most 30 days, temporary filings at least 6
months). Every refusal is checked to write nothing: no filing and no event.
"""

import datetime

import pytest
from django.utils import timezone

from filings.models import Filing, FilingEvent
from filings.selectors import eligibility_check
from registry.workdays import add_months
from tests.factories import FilingFactory, FilingPolicyFactory, FilingRequestFactory, PersonFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/filings/"
VALID_USCC = "91110000600037341L"  # a unified social credit code with a correct check character


def today() -> datetime.date:
    return timezone.localdate()


def day(offset: int) -> datetime.date:
    return today() + datetime.timedelta(days=offset)


def body(**overrides) -> dict:
    """The request body; a date given is sent as ISO text, a field given as None is left out."""
    data = FilingRequestFactory(**overrides)
    return {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in data.items() if v is not None}


def counts() -> tuple[int, int]:
    return Filing.objects.count(), FilingEvent.objects.count()


def refused(client, url, data, *, status, field=None, code=None):
    """POST and assert the refusal: its status, the field or code it names, and that nothing was written."""
    before = counts()
    response = client.post(url, data)
    assert response.status_code == status, response.content
    if field is not None:
        assert field in response.json()["errors"], response.json()
    if code is not None:
        assert response.json()["code"] == code, response.json()
    assert counts() == before, "a refusal wrote something"
    return response


def created(client, data):
    response = client.post(URL, data)
    assert response.status_code == 201, response.content
    return response.json()


def actions(reference) -> list[tuple[str, str, str]]:
    return list(
        FilingEvent.objects.filter(filing__reference=reference)
        .order_by("id")
        .values_list("action", "from_state", "to_state")
    )


@pytest.fixture
def person():
    return PersonFactory(name="张三")


@pytest.fixture
def me(client_for, person):
    return client_for(person=person)


@pytest.fixture(params=["person", "counter"])
def filer(request, client_for, person):
    """A client that files for ``person``, and the body fields it adds: the person's own session, or the counter."""
    if request.param == "person":
        return client_for(person=person), {}
    return client_for(role="counter"), {"id_number": person.id_number}


# --- start dates: 12 months back, 3 months ahead ------------------------------------------------------


def _earliest():
    return add_months(today(), -12)


def _latest():
    return add_months(today(), 3)


START_BOUNDS = [
    ("earliest allowed: exactly 12 months back", _earliest, 201),
    ("one day before the earliest", lambda: _earliest() - datetime.timedelta(days=1), 400),
    ("today", today, 201),
    ("latest allowed: exactly 3 months ahead", _latest, 201),
    ("one day after the latest", lambda: _latest() + datetime.timedelta(days=1), 400),
]


@pytest.mark.parametrize("case, start, status", START_BOUNDS, ids=[c[0] for c in START_BOUNDS])
def test_start_date_bounds(filer, case, start, status):
    client, extra = filer
    data = body(filing_type="long_term_resident", start_date=start(), **extra)  # open-ended: never history
    if status == 201:
        assert created(client, data)["start_date"] == start().isoformat(), case
    else:
        refused(client, URL, data, status=400, field="start_date")


def test_the_refusal_names_the_bound(me):
    too_early = refused(me, URL, body(start_date=_earliest() - datetime.timedelta(days=1)), status=400)
    assert _earliest().isoformat() in too_early.json()["errors"]["start_date"][0]
    too_late = refused(me, URL, body(start_date=_latest() + datetime.timedelta(days=1)), status=400)
    assert _latest().isoformat() in too_late.json()["errors"]["start_date"][0]


@pytest.mark.parametrize(
    "months_back, months_ahead",
    [(6, 1), (24, 6)],
)
def test_the_bounds_are_policy_data(me, months_back, months_ahead):
    FilingPolicyFactory(retroactive_limit_months=months_back, advance_limit_months=months_ahead)
    earliest, latest = add_months(today(), -months_back), add_months(today(), months_ahead)
    one = datetime.timedelta(days=1)
    refused(me, URL, body(filing_type="long_term_resident", start_date=earliest - one), status=400, field="start_date")
    refused(me, URL, body(filing_type="long_term_resident", start_date=latest + one), status=400, field="start_date")
    assert created(me, body(filing_type="long_term_resident", start_date=latest))["state"] == "effective"


def test_end_before_start_is_refused(me):
    refused(me, URL, body(start_date=day(10), end_date=day(9)), status=400, field="end_date")


@pytest.mark.parametrize(
    "case, end, status",
    [
        ("exactly six months", lambda: add_months(day(1), 6) - datetime.timedelta(days=1), 201),
        ("one day short of six months", lambda: add_months(day(1), 6) - datetime.timedelta(days=2), 400),
    ],
)
def test_temporary_filings_last_at_least_the_policy_months(me, case, end, status):
    data = body(start_date=day(1), end_date=end())
    if status == 201:
        assert created(me, data)["end_date"] == end().isoformat(), case
    else:
        refused(me, URL, data, status=400, field="end_date")


# --- a change takes effect no earlier than today ---------------------------------------------------


@pytest.fixture
def old(person):
    """An effective temporary filing of the person that began a month ago."""
    return FilingFactory(person=person, start_date=day(-30), end_date=day(200))


CHANGE_STARTS = [
    ("yesterday: would rewrite coverage already used", -1, 400),
    ("today", 0, 201),
    ("tomorrow", 1, 201),
]


@pytest.mark.parametrize("case, offset, status", CHANGE_STARTS, ids=[c[0] for c in CHANGE_STARTS])
def test_a_change_starts_today_or_later(filer, old, case, offset, status):
    client, _extra = filer
    url = f"{URL}{old.reference}/change/"
    data = {"destination": "440000", "start_date": day(offset).isoformat()}
    if status == 400:
        refused(client, url, data, status=400, field="start_date")
        old.refresh_from_db()
        assert (old.state, old.covered_until) == ("effective", None)
        return
    response = client.post(url, data)
    assert response.status_code == 201, response.content
    assert response.json()["start_date"] == day(offset).isoformat()
    old.refresh_from_db()
    # The old filing covers every day before the new one starts, and its event says up to which day.
    assert (old.state, old.covered_until) == ("changed", day(offset - 1))
    event = FilingEvent.objects.get(filing=old, action="change")
    assert event.changes["covered_until"] == [None, day(offset - 1).isoformat()]


def test_a_change_without_a_start_date_starts_today(me, old):
    response = me.post(f"{URL}{old.reference}/change/", {"destination": "440000"})
    assert response.status_code == 201, response.content
    assert response.json()["start_date"] == today().isoformat()
    old.refresh_from_db()
    assert old.covered_until == day(-1)


def test_a_change_also_keeps_within_the_advance_bound(me, old):
    url = f"{URL}{old.reference}/change/"
    refused(
        me, url, {"start_date": (_latest() + datetime.timedelta(days=1)).isoformat()}, status=400, field="start_date"
    )
    assert me.post(url, {"start_date": _latest().isoformat()}).status_code == 201


# --- two filings never cover the same day -------------------------------------------------------------


REVOKED_THEN_NEW = [
    ("new starts today, still covered by the revoked filing", 0, 409),
    ("new starts on the revoked filing's last day", 1, 409),
    ("new starts the day after the revoked filing's last day", 2, 201),
]


@pytest.mark.parametrize("case, offset, status", REVOKED_THEN_NEW, ids=[c[0] for c in REVOKED_THEN_NEW])
def test_revocation_effective_tomorrow_then_a_new_filing(me, case, offset, status):
    first = created(me, body(destination="310000"))["reference"]
    revoked = me.post(f"{URL}{first}/revoke/", {"reason": "改去广州", "effective_to": day(1).isoformat()})
    assert revoked.status_code == 200, revoked.content
    assert revoked.json()["covered_until"] == day(1).isoformat()
    data = body(destination="440000", start_date=day(offset))
    if status == 201:
        assert created(me, data)["state"] == "effective", case
        return
    response = refused(me, URL, data, status=409, code="coverage_overlap", field="start_date")
    span = f"{day(offset).isoformat()}–{day(1).isoformat()}"
    assert first in response.json()["message"] and span in response.json()["message"]
    assert span in response.json()["errors"]["start_date"][0]


def test_revoked_at_once_leaves_today_free(me):
    first = created(me, body())["reference"]
    assert me.post(f"{URL}{first}/revoke/", {"reason": "不去了"}).json()["covered_until"] == day(-1).isoformat()
    assert created(me, body(destination="440000"))["state"] == "effective"


def test_a_live_filing_is_still_409_live_filing_exists(me):
    created(me, body())
    refused(me, URL, body(destination="440000", start_date=day(90)), status=409, code="live_filing_exists")


def test_a_change_may_not_move_into_days_another_filing_still_covers(me):
    first = created(me, body())["reference"]
    me.post(f"{URL}{first}/revoke/", {"reason": "改去广东", "effective_to": day(10).isoformat()})
    later = created(me, body(filing_type="long_term_resident", destination="440000", start_date=day(11)))
    url = f"{URL}{later['reference']}/change/"
    response = refused(me, url, {"start_date": today().isoformat()}, status=409, code="coverage_overlap")
    assert first in response.json()["message"]
    assert Filing.objects.get(reference=later["reference"]).state == "effective"


# --- a filing of finished care is history ---------------------------------------------------------------


def _finished_temporary() -> dict:
    start = _earliest()
    return body(start_date=start, end_date=add_months(start, 6) - datetime.timedelta(days=1))


def test_finished_care_is_recorded_as_expired_history(me):
    data = created(me, _finished_temporary())
    end = add_months(_earliest(), 6) - datetime.timedelta(days=1)
    assert (data["state"], data["covered_until"]) == ("expired", end.isoformat())
    assert actions(data["reference"]) == [("record", "", "expired")]
    # It covers its own days (a hospital asking about them, a claim reading them) ...
    filing = Filing.objects.get(reference=data["reference"])
    answer = eligibility_check(id_number=filing.person.id_number, city_code="310100", on=end, visit="inpatient")
    assert (answer.covered, answer.filing) == (True, data["reference"])
    # ... and is final: nothing revokes or changes history.
    assert me.post(f"{URL}{data['reference']}/revoke/", {"reason": "x"}).status_code == 409


def test_history_blocks_no_current_filing(me):
    created(me, _finished_temporary())
    assert created(me, body(destination="440000"))["state"] == "effective"


def test_a_current_filing_does_not_block_history_on_other_days(me):
    created(me, body())  # effective from today
    history = created(me, body(filing_type="emergency", destination="440100", start_date=day(-20), end_date=day(-5)))
    assert history["state"] == "expired"
    assert Filing.objects.filter(state="effective").count() == 1


def test_history_overlapping_a_covered_day_is_409(me, person):
    current = FilingFactory(person=person, start_date=day(-10), end_date=day(190))
    response = refused(
        me,
        URL,
        body(filing_type="emergency", destination="440100", start_date=day(-15), end_date=day(-8)),
        status=409,
        code="coverage_overlap",
    )
    assert current.reference in response.json()["message"]


def test_history_needs_insurance_on_its_days_not_today(client_for):
    person = PersonFactory(insured_periods=[(None, day(-10))])  # insurance ended ten days ago
    me = client_for(role="counter")
    ok = body(id_number=person.id_number, filing_type="emergency", destination="440100", start_date=day(-30))
    assert created(me, {**ok, "end_date": day(-20).isoformat()})["state"] == "expired"
    refused(
        me,
        URL,
        {**ok, "start_date": day(-9).isoformat(), "end_date": day(-5).isoformat()},
        status=409,
        code="not_insured_on_dates",
    )
    refused(me, URL, body(id_number=person.id_number, start_date=today()), status=409, code="not_actively_insured")


# --- an emergency filing covers its rescue episode only --------------------------------------------------

EMERGENCY = [
    ("30 days inclusive", {"end_date": day(29)}, 201, None),
    ("31 days", {"end_date": day(30)}, 400, "end_date"),
    ("no end date", {}, 400, "end_date"),
    ("one day", {"end_date": today()}, 201, None),
    ("a province, not the city of the rescue", {"end_date": day(29), "destination": "310000"}, 400, "destination"),
    ("rescue began yesterday, 30 days", {"start_date": day(-1), "end_date": day(28)}, 201, None),
    ("rescue began yesterday, 31 days", {"start_date": day(-1), "end_date": day(29)}, 400, "end_date"),
    ("a rescue is never filed ahead", {"start_date": day(1), "end_date": day(2)}, 400, "start_date"),
    ("nor weeks ahead, a trip filed as a rescue", {"start_date": day(60), "end_date": day(70)}, 400, "start_date"),
]


@pytest.mark.parametrize("case, overrides, status, field", EMERGENCY, ids=[c[0] for c in EMERGENCY])
def test_emergency_filing_bounds(filer, case, overrides, status, field):
    client, extra = filer
    data = body(**{"filing_type": "emergency", "destination": "310100", **extra, **overrides})
    if status == 201:
        response = created(client, data)
        assert (response["state"], response["end_date"]) == ("effective", overrides["end_date"].isoformat()), case
    else:
        refused(client, URL, data, status=400, field=field)


def test_the_emergency_refusal_names_the_last_allowed_day(me):
    response = refused(me, URL, body(filing_type="emergency", destination="310100", end_date=day(30)), status=400)
    assert day(29).isoformat() in response.json()["errors"]["end_date"][0]


# --- each type fits the person ----------------------------------------------------------------------------

EMPLOYER = {"employer_name": "某某科技有限公司", "employer_credit_code": VALID_USCC}
TYPE_FITS = [
    (
        "stationed worker with resident insurance",
        "stationed_worker",
        {"insurance_type": "resident"},
        EMPLOYER,
        "filing_type",
    ),
    (
        "stationed worker without an employer",
        "stationed_worker",
        {},
        {"employer_credit_code": VALID_USCC},
        "employer_name",
    ),
    (
        "stationed worker without a credit code",
        "stationed_worker",
        {},
        {"employer_name": "某某公司"},
        "employer_credit_code",
    ),
    (
        "credit code with a wrong check character",
        "stationed_worker",
        {},
        {**EMPLOYER, "employer_credit_code": "91110000600037341X"},
        "employer_credit_code",
    ),
    (
        "credit code too short",
        "stationed_worker",
        {},
        {**EMPLOYER, "employer_credit_code": "9111000060003"},
        "employer_credit_code",
    ),
    (
        "credit code with letters I/O/Z/S/V",
        "stationed_worker",
        {},
        {**EMPLOYER, "employer_credit_code": "9111000060003734IO"},
        "employer_credit_code",
    ),
    ("resettled retiree who is not retired", "retiree_resettled", {"retired": False}, {}, "filing_type"),
    ("stationed worker, employee, employer and code", "stationed_worker", {}, EMPLOYER, None),
    ("resettled retiree who is retired", "retiree_resettled", {"retired": True}, {}, None),
    ("long-term resident: anyone", "long_term_resident", {"insurance_type": "resident"}, {}, None),
]


@pytest.mark.parametrize("case, filing_type, who, extra, field", TYPE_FITS, ids=[c[0] for c in TYPE_FITS])
def test_the_type_fits_the_person(client_for, case, filing_type, who, extra, field):
    person = PersonFactory(**who)
    client = client_for(person=person)
    data = body(filing_type=filing_type, **extra)
    if field is None:
        assert created(client, data)["state"] == "effective", case
    else:
        refused(client, URL, data, status=400, field=field)


def test_the_credit_code_is_stored_normalised(counter):
    person = PersonFactory()
    data = body(
        id_number=person.id_number,
        filing_type="stationed_worker",
        employer_name=" 某某科技有限公司 ",
        employer_credit_code="9111 0000 6000 3734 1l",
    )
    response = created(counter, data)
    assert (response["employer_name"], response["employer_credit_code"]) == ("某某科技有限公司", VALID_USCC)
    submit = FilingEvent.objects.get(filing__reference=response["reference"], action="submit")
    assert submit.changes["employer_credit_code"] == VALID_USCC


def test_type_errors_come_together_with_the_others(client_for):
    """One validation pass: a resident stationed worker without employer hears of all three at once."""
    client = client_for(person=PersonFactory(insurance_type="resident"))
    response = refused(client, URL, body(filing_type="stationed_worker", contact_phone="123"), status=400)
    assert {"filing_type", "employer_name", "employer_credit_code", "contact_phone"} <= set(response.json()["errors"])


def test_a_change_to_stationed_worker_names_the_employer(me, old):
    """A change carries the employer and its code too (they are changeable fields of the API)."""
    response = me.post(
        f"{URL}{old.reference}/change/",
        {"filing_type": "stationed_worker", "proof_basis": "commitment", **EMPLOYER},
    )
    assert response.status_code == 201, response.content
    assert response.json()["employer_credit_code"] == VALID_USCC
