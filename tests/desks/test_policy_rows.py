"""Policy values as they are spoken (percent, yuan), and a change to a row in force is a new row from a date."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import DecimalField
from django.test import Client
from django.utils import timezone

from accounts.choices import Role
from config import policy_rows
from config.admin_policy_rows import PercentField, PolicyRowsAdmin, is_money, is_rate, percent, yuan
from config.models import EffectivePeriod
from filings.models import FilingPolicy, InProvinceFilingCity
from reimbursements import selectors
from reimbursements.choices import ClaimState
from reimbursements.models import BenefitPolicy, ClaimPolicy
from tests.factories import ClaimFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

BENEFITS = "/admin/reimbursements/benefitpolicy/"
CLAIM_POLICIES = "/admin/reimbursements/claimpolicy/"


def today() -> datetime.date:
    return timezone.localdate()


def day(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def admin_client(role=Role.ADMIN) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


def seeded_benefit() -> BenefitPolicy:
    """The seeded row for employees' inpatient care at tertiary institutions (in force since 2000)."""
    return BenefitPolicy.objects.in_force().get(insurance_type="employee", visit_kind="inpatient", institution_level=3)


def form_data(client: Client, url: str) -> dict:
    """What the change form would post as it stands (its fields' values as shown)."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else str(value)
    return data


# --- showing and typing as spoken --------------------------------------------------------------------------------


def test_rates_show_as_percent_and_amounts_in_yuan():
    assert percent(Decimal("0.9000")) == "90%"
    assert percent(Decimal("0.0525")) == "5.25%"
    assert percent(None) == ""
    assert yuan(Decimal("1234.5")) == "1,234.50 元"


def test_a_percent_field_reads_what_is_typed_as_the_stored_fraction():
    field = PercentField(label="报销比例")
    assert field.clean("85") == Decimal("0.8500")
    assert field.clean("5.25") == Decimal("0.0525")
    assert field.prepare_value(Decimal("0.8500")) == "85"
    assert field.prepare_value(Decimal("0.1000")) == "10"  # not "1E+1"
    assert field.prepare_value("85") == "85"  # what was typed stays as typed
    assert not field.has_changed(Decimal("0.8500"), "85")
    assert field.has_changed(Decimal("0.8500"), "80")
    with pytest.raises(ValidationError) as refused:
        field.clean("150")
    assert "报销比例" in refused.value.messages[0] and "100%" in refused.value.messages[0]


def test_a_rate_under_a_national_cap_is_refused_naming_the_field_and_the_cap():
    future = policy_rows.supersede(ClaimPolicy.objects.in_force().get(), effective_from=day(30))
    client = admin_client()
    url = f"{CLAIM_POLICIES}{future.pk}/change/"
    data = form_data(client, url)
    assert data["other_temporary_reduction"] == "10"
    response = client.post(url, {**data, "referral_reduction": "12", "other_temporary_reduction": "20"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["referral_reduction"] == ["报销比例降低：转诊须在 0% 到 10% 之间。"], errors
    assert "other_temporary_reduction" not in errors  # 20 points is the cap itself
    future.refresh_from_db()
    assert future.referral_reduction == Decimal("0.0500")


def test_the_lists_show_rates_as_percent_and_money_in_yuan():
    row = seeded_benefit()
    client = admin_client(Role.AUDITOR)
    page = client.get(BENEFITS).content.decode()
    assert percent(row.ratio) in page and yuan(row.deductible) in page
    claims = client.get(CLAIM_POLICIES).content.decode()
    assert percent(ClaimPolicy.objects.in_force().get().own_share_rate) in claims


def test_a_rate_typed_as_percent_is_stored_as_a_fraction_and_listed_as_percent():
    future = policy_rows.supersede(seeded_benefit(), effective_from=day(30))
    client = admin_client()
    url = f"{BENEFITS}{future.pk}/change/"
    data = form_data(client, url)
    assert data["ratio"] == percent(future.ratio)[:-1]  # shown as percent: "85", not "0.8500"
    response = client.post(url, {**data, "ratio": "85", "deductible": "1200"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    future.refresh_from_db()
    assert future.ratio == Decimal("0.8500") and future.deductible == Decimal("1200.00")
    assert "85%" in client.get(BENEFITS).content.decode()


def test_a_percent_out_of_range_is_an_error_naming_the_field_and_writes_nothing():
    future = policy_rows.supersede(seeded_benefit(), effective_from=day(30))
    client = admin_client()
    url = f"{BENEFITS}{future.pk}/change/"
    response = client.post(url, {**form_data(client, url), "ratio": "150"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["ratio"] == ["报销比例须在 0% 到 100% 之间。"]
    future.refresh_from_db()
    assert future.ratio == seeded_benefit().ratio


# --- a row in force keeps its values -----------------------------------------------------------------------------


def test_a_row_in_force_shows_its_values_read_only_and_a_post_changes_none():
    row = seeded_benefit()
    client = admin_client()
    url = f"{BENEFITS}{row.pk}/change/"
    page = client.get(url)
    form = page.context["adminform"].form
    assert set(form.fields) == {"effective_to"}  # only the last day may still be set
    html = page.content.decode()
    assert percent(row.ratio) in html and "change-from-date/" in html and "deletelink" not in html
    response = client.post(
        url, {"ratio": "50", "deductible": "1", "effective_from": day(-5).isoformat(), "effective_to": ""}
    )
    assert response.status_code == 302
    stored = BenefitPolicy.objects.get(pk=row.pk)
    assert (stored.ratio, stored.deductible, stored.effective_from) == (row.ratio, row.deductible, row.effective_from)


def test_a_row_in_force_cannot_be_deleted():
    row = seeded_benefit()
    client = admin_client()
    assert client.get(f"{BENEFITS}{row.pk}/delete/").status_code == 403
    assert client.post(f"{BENEFITS}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert BenefitPolicy.objects.filter(pk=row.pk).exists()
    assert "delete_selected" not in client.get(BENEFITS).content.decode()


def test_a_row_in_force_may_be_ended_from_today_but_not_before():
    row = InProvinceFilingCity.objects.create(city_id="350500", effective_from=day(-30))
    client = admin_client()
    url = f"/admin/filings/inprovincefilingcity/{row.pk}/change/"
    refused = client.post(url, {"effective_to": day(-1).isoformat()})
    assert refused.status_code == 200 and "effective_to" in refused.context["adminform"].form.errors
    row.refresh_from_db()
    assert row.effective_to is None
    assert client.post(url, {"effective_to": today().isoformat()}).status_code == 302
    row.refresh_from_db()
    assert row.effective_to == today()


def test_a_past_row_is_read_only_altogether():
    row = InProvinceFilingCity.objects.create(city_id="350500", effective_from=day(-30), effective_to=day(-2))
    client = admin_client()
    page = client.get(f"/admin/filings/inprovincefilingcity/{row.pk}/change/").content.decode()
    assert 'name="_save"' not in page and "change-from-date/" not in page
    assert client.get(f"/admin/filings/inprovincefilingcity/{row.pk}/change-from-date/").status_code == 403


def test_other_roles_read_rates_as_percent_and_are_offered_no_change():
    row = seeded_benefit()
    client = admin_client(Role.REVIEWER)
    page = client.get(f"{BENEFITS}{row.pk}/change/").content.decode()
    assert percent(row.ratio) in page and 'name="_save"' not in page and "change-from-date/" not in page
    assert client.get(f"{BENEFITS}{row.pk}/change-from-date/").status_code == 403


# --- change from a date ------------------------------------------------------------------------------------------


def test_changing_from_a_date_ends_the_row_the_day_before_and_starts_a_new_one():
    row = seeded_benefit()
    client = admin_client()
    url = f"{BENEFITS}{row.pk}/change-from-date/"
    page = client.get(url)
    form = page.context["form"]
    assert form["ratio"].value() == percent(row.ratio)[:-1]  # prefilled, as percent
    data = {
        "effective_from": day(10).isoformat(),
        "deductible": str(row.deductible),
        "ratio": "80",
        "deductible_scope": row.deductible_scope,
        "annual_cap": str(row.annual_cap),
        "pool": row.pool_id,
    }
    if row.is_sample:
        data["is_sample"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    row.refresh_from_db()
    new = BenefitPolicy.objects.get(
        insurance_type="employee", visit_kind="inpatient", institution_level=3, effective_from=day(10)
    )
    assert row.effective_to == day(9) and new.effective_to is None
    assert (new.ratio, new.deductible, new.annual_cap) == (Decimal("0.8000"), row.deductible, row.annual_cap)
    assert response["Location"] == f"{BENEFITS}{new.pk}/change/"
    # The new row has not taken effect: it may still be edited and deleted.
    assert client.get(f"{BENEFITS}{new.pk}/delete/").status_code == 200
    assert "ratio" in client.get(f"{BENEFITS}{new.pk}/change/").context["adminform"].form.fields
    # The old row's history says, in Chinese, that its last day was set.
    history = client.get(f"{BENEFITS}{row.pk}/history/").content.decode()
    assert "截止日期" in history and "Effective to" not in history


@pytest.mark.parametrize("start", [0, -3])
def test_a_change_starts_tomorrow_at_the_earliest_and_writes_nothing_otherwise(start):
    row = seeded_benefit()
    client = admin_client()
    response = client.post(
        f"{BENEFITS}{row.pk}/change-from-date/",
        {
            "effective_from": day(start).isoformat(),
            "deductible": "1",
            "ratio": "50",
            "deductible_scope": row.deductible_scope,
            "annual_cap": str(row.annual_cap),
            "pool": row.pool_id,
        },
    )
    assert response.status_code == 200 and "effective_from" in response.context["form"].errors
    row.refresh_from_db()
    assert row.effective_to is None
    assert BenefitPolicy.objects.filter(effective_from=day(start), institution_level=3).count() == 0


def test_a_change_is_one_transaction_a_bad_value_leaves_the_old_row_open():
    policy = ClaimPolicy.objects.in_force().get()
    with pytest.raises(ValidationError) as refused:
        policy_rows.supersede(policy, effective_from=day(5), referral_reduction=Decimal("0.5"))
    assert refused.value.messages  # above the national cap of 10 points
    policy.refresh_from_db()
    assert policy.effective_to is None and ClaimPolicy.objects.count() == 1


def test_a_claim_decided_under_the_old_row_keeps_its_amount_while_later_care_takes_the_new_row():
    person = PersonFactory(insurance_type="employee")
    decided = ClaimFactory(person=person, state=ClaimState.APPROVED)
    pending = ClaimFactory(person=PersonFactory(insurance_type="employee"))
    paid, estimate = decided.payable_amount, selectors.claim_assessment(claim=pending).calculation.payable
    old = selectors.benefit_row(claim=pending, on=pending.discharge_date)

    new = policy_rows.supersede(old, effective_from=day(1), ratio=Decimal("0.5000"))

    decided.refresh_from_db()
    assert decided.payable_amount == paid
    assert selectors.claim_recalculation(claim=decided).payable == paid
    assert selectors.claim_assessment(claim=decided).benefit.pk == old.pk
    assert selectors.claim_assessment(claim=pending).calculation.payable == estimate  # care given before: old row
    later = ClaimFactory.build(
        person=pending.person,
        institution_level=pending.institution_level,
        claim_kind=pending.claim_kind,
        admission_date=day(1),
        discharge_date=day(3),
    )
    assert selectors.benefit_row(claim=later, on=later.discharge_date).pk == new.pk
    assert selectors.benefit_row(claim=later, on=later.discharge_date).ratio == Decimal("0.5000")


# --- overlaps ----------------------------------------------------------------------------------------------------


def test_an_overlapping_row_is_refused_in_the_admin_naming_effective_from():
    client = admin_client()
    response = client.post(
        f"{CLAIM_POLICIES}add/",
        {
            "effective_from": day(20).isoformat(),
            "submission_deadline_months": "12",
            "own_share_rate": "10",
            "referral_reduction": "5",
            "emergency_reduction": "5",
            "other_temporary_reduction": "10",
            "invoice_days_after_discharge": "30",
            "review_working_days": "20",
            "max_files_per_item": "5",
            "max_record_upload_kb": "51200",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "effective_from" in errors and "2000-01-01" in str(errors["effective_from"])
    assert ClaimPolicy.objects.count() == 1


def test_rows_of_one_timeline_overlap_nowhere_other_timelines_freely():
    row = InProvinceFilingCity.objects.create(city_id="350500", effective_from=day(-100))
    overlapping = InProvinceFilingCity(city_id="350500", effective_from=day(40))
    with pytest.raises(ValidationError) as refused:
        overlapping.full_clean()
    assert "effective_from" in refused.value.message_dict
    InProvinceFilingCity(city_id="350200", effective_from=day(40)).full_clean()  # another city's timeline
    policy_rows.supersede(row, effective_from=day(40), note="新的说明")
    overlapping.effective_from = day(41)
    with pytest.raises(ValidationError):
        overlapping.full_clean()  # the new row from day 40 is open-ended
    row.refresh_from_db()
    assert row.effective_to == day(39)
    assert list(InProvinceFilingCity.objects.filter(city_id="350500").values_list("note", flat=True)) == [
        row.note,
        "新的说明",
    ]


def test_a_single_timeline_table_refuses_a_second_open_row():
    seeded = FilingPolicy.objects.get()
    with pytest.raises(ValidationError) as refused:
        FilingPolicy(effective_from=day(10), temporary_validity_months=6).full_clean()
    assert "effective_from" in refused.value.message_dict
    assert seeded.effective_from.isoformat() in refused.value.message_dict["effective_from"][0]


def test_a_future_row_may_be_moved_but_not_into_the_past():
    future = policy_rows.supersede(seeded_benefit(), effective_from=day(30))
    client = admin_client()
    url = f"{BENEFITS}{future.pk}/change/"
    data = form_data(client, url)
    refused = client.post(url, {**data, "effective_from": today().isoformat()})
    assert refused.status_code == 200 and "effective_from" in refused.context["adminform"].form.errors
    assert client.post(url, {**data, "effective_from": day(31).isoformat()}).status_code == 302
    future.refresh_from_db()
    assert future.effective_from == day(31)


def test_a_change_inside_a_row_with_a_successor_runs_up_to_the_successor():
    policy = ClaimPolicy.objects.in_force().get()
    later = policy_rows.supersede(policy, effective_from=day(30), review_working_days=15)
    between = policy_rows.supersede(policy, effective_from=day(10), review_working_days=18)
    policy.refresh_from_db()
    assert (policy.effective_to, between.effective_from, between.effective_to) == (day(9), day(10), day(29))
    assert later.effective_from == day(30) and later.effective_to is None
    with pytest.raises(ValidationError) as refused:
        policy_rows.supersede(policy, effective_from=day(20))  # after the row now ends
    assert "effective_from" in refused.value.message_dict


# --- every policy table ------------------------------------------------------------------------------------------


def test_every_policy_table_is_administered_as_dated_rows_with_values_as_spoken():
    tables = [model for model in admin.site._registry if issubclass(model, EffectivePeriod)]
    assert len(tables) >= 8
    for model in tables:
        assert isinstance(admin.site._registry[model], PolicyRowsAdmin), model.__name__
        for field in model._meta.concrete_fields:
            if isinstance(field, DecimalField):
                assert is_rate(field) or is_money(field), f"{model.__name__}.{field.name}"


def test_withdrawing_a_change_before_it_starts_gives_the_period_back_to_the_row_it_followed():
    row = seeded_benefit()
    new = policy_rows.supersede(row, effective_from=day(10), ratio=Decimal("0.8000"))
    row.refresh_from_db()
    assert row.effective_to == day(9)

    client = admin_client()
    response = client.post(f"{BENEFITS}{new.pk}/delete/", {"post": "yes"}, follow=True)

    assert response.status_code == 200 and not BenefitPolicy.objects.filter(pk=new.pk).exists()
    row.refresh_from_db()
    assert row.effective_to is None  # no day from day(10) on is left without a row
    assert any(str(row) in str(message) for message in response.context["messages"])


def test_a_row_in_force_is_never_withdrawn():
    row = seeded_benefit()
    with pytest.raises(ValidationError):
        policy_rows.withdraw(row)
    assert BenefitPolicy.objects.filter(pk=row.pk).exists()
