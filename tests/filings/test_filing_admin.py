"""The counter's admin: filing for a person, decisions as actions, the review queue."""

import datetime

import pytest
from django.utils import timezone

from accounts.choices import Role
from filings.models import Filing, FilingEvent
from tests.factories import FilingFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/filings/filing/"


@pytest.fixture
def login(client):
    def as_role(role):
        client.force_login(UserFactory(role=role))
        return client

    return as_role


def counter_form(person, **overrides):
    form = {
        "person": person.pk,
        "filing_type": "other_temporary",
        "destination": "310000",
        "start_date": timezone.localdate().isoformat(),
        "end_date": "",
        "mode": "self_service",
        "proof_basis": "",
        "contact_name": "张三",
        "contact_phone": "13906001234",
        "consent": "on",
        "proxy_name": "李四",
        "proxy_id_number": "11010519491231002X",
        "proxy_authorization": "on",
        "referring_institution": "",
        "referral_diagnosis": "",
        "referral_date": "",
        "referral_reason": "",
        "referral_opinion": "",
        "materials-TOTAL_FORMS": "0",
        "materials-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    form.update(overrides)
    return form


def test_counter_files_for_a_person_through_the_service(login):
    person = PersonFactory()
    client = login(Role.COUNTER)
    response = client.post(f"{CHANGELIST}add/", counter_form(person))
    assert response.status_code == 302, response.content.decode()[-2000:]
    filing = Filing.objects.get()
    assert (filing.state, filing.channel_id, filing.proxy_name) == ("effective", "counter", "李四")
    assert list(filing.events.values_list("action", flat=True)) == ["submit", "activate"]
    assert filing.events.first().actor_label.startswith("staff:")


def test_counter_form_shows_service_errors_on_fields(login):
    person = PersonFactory()
    FilingFactory(person=person)
    client = login(Role.COUNTER)
    response = client.post(f"{CHANGELIST}add/", counter_form(PersonFactory(), destination="350100"))
    assert response.status_code == 200
    assert "destination" in response.context["adminform"].form.errors
    response = client.post(f"{CHANGELIST}add/", counter_form(person))
    assert response.status_code == 200 and Filing.objects.count() == 1
    assert "person" in response.context["adminform"].form.errors  # the live filing is named there


def test_reviewer_approves_from_the_review_queue(login):
    late = FilingFactory(
        state="submitted",
        effective_at=None,
        mode="fast_track",
        review_due=timezone.localdate() - datetime.timedelta(days=1),
    )
    soon = FilingFactory(
        state="submitted",
        effective_at=None,
        mode="fast_track",
        review_due=timezone.localdate() + datetime.timedelta(days=2),
    )
    FilingFactory()
    client = login(Role.REVIEWER)
    page = client.get("/admin/filings/filingreviewqueue/")
    assert page.status_code == 200
    assert [f.reference for f in page.context["cl"].result_list] == [late.reference, soon.reference]
    assert page.content.decode().count("（已逾期）") == 1  # only the late one is marked (the filter says 已逾期 too)
    selected = {"action": "approve_filings", "_selected_action": [late.pk]}
    asked = client.post("/admin/filings/filingreviewqueue/", selected)  # a bulk approval asks once, listing them
    assert asked.status_code == 200 and late.reference in asked.content.decode() and "确认" in asked.content.decode()
    late.refresh_from_db()
    assert late.state == "submitted"
    client.post("/admin/filings/filingreviewqueue/", {**selected, "apply": "1"})
    late.refresh_from_db()
    assert late.state == "effective"
    assert FilingEvent.objects.get(filing=late).action == "approve"


def test_reject_asks_for_a_reason_on_the_record_and_keeps_what_was_typed(login):
    pending = FilingFactory(state="submitted", effective_at=None)
    client = login(Role.REVIEWER)
    url = f"{CHANGELIST}{pending.pk}/do/reject/"
    assert url in client.get(f"{CHANGELIST}{pending.pk}/change/").content.decode()
    ask = client.post(url, {"reason": ""})
    assert ask.status_code == 200 and "reason" in ask.context["form"].errors
    pending.refresh_from_db()
    assert pending.state == "submitted"
    done = client.post(url, {"reason": "材料不全"})
    assert done.status_code == 302 and done["Location"] == f"{CHANGELIST}{pending.pk}/change/"
    pending.refresh_from_db()
    assert (pending.state, pending.end_reason) == ("rejected", "材料不全")


def test_a_refusal_of_the_service_is_shown_on_the_form_with_the_input_kept(login):
    filing = FilingFactory()
    client = login(Role.COUNTER)
    url = f"{CHANGELIST}{filing.pk}/do/revoke/"
    response = client.post(url, {"effective_to": "2001-01-01", "reason": "回厦门工作"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors and form["reason"].value() == "回厦门工作"
    filing.refresh_from_db()
    assert filing.state == "effective"


def test_counter_is_offered_no_approval_and_cannot_reach_one(login):
    pending = FilingFactory(state="submitted", effective_at=None)
    client = login(Role.COUNTER)
    page = client.get(f"{CHANGELIST}{pending.pk}/change/").content.decode()
    assert "/do/approve/" not in page and "/do/reject/" not in page
    assert client.post(f"{CHANGELIST}{pending.pk}/do/approve/").status_code == 403
    queue = client.get("/admin/filings/filingreviewqueue/").content.decode()
    assert "approve_filings" not in queue
    pending.refresh_from_db()
    assert pending.state == "submitted"


def test_auditor_reads_filings_without_actions(login):
    filing = FilingFactory()
    client = login(Role.AUDITOR)
    page = client.get(CHANGELIST)
    assert page.status_code == 200 and filing.reference in page.content.decode()
    assert "approve_filings" not in page.content.decode()
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    detail = client.get(f"{CHANGELIST}{filing.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()


def test_search_by_id_number_name_and_reference(login):
    filing = FilingFactory(person=PersonFactory(name="林小华"))
    FilingFactory.create_batch(2)
    client = login(Role.COUNTER)
    for term in (filing.person.id_number, "林小华", filing.reference):
        results = client.get(CHANGELIST, {"q": term}).context["cl"].result_list
        assert [f.pk for f in results] == [filing.pk], term
