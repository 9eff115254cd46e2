"""Each record page offers exactly the tasks the viewing role may take on it now.

The expectation is read from the same tables the API and the services obey (the transition table
and the capacities), for every role and every state; a few rows are also written out by hand so a
change to the tables themselves shows here too.
"""

import re

import pytest
from django.test import Client

from accounts.choices import Role
from config.actors import Capacity
from filings.choices import FILING_TRANSITIONS, FilingState
from filings.rules import FILING_ACTION_CAPACITIES, MATERIAL_UPLOAD_CAPACITIES
from reimbursements.choices import CHECKLIST_OPEN_STATES, CLAIM_TRANSITIONS, ClaimState
from reimbursements.rules import CLAIM_ACTION_CAPACITIES, MATERIAL_STATUS_CAPACITIES
from tests.factories import ClaimFactory, FilingFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = [Role.COUNTER, Role.REVIEWER, Role.AUDITOR, Role.ADMIN]
TASK = re.compile(r'href="[^"]+/do/([a-z_]+)/(?:\?seen=[\d.]+)?" class="record-task"')
FILING_STATES = [
    FilingState.SUBMITTED,
    FilingState.EFFECTIVE,
    FilingState.REJECTED,
    FilingState.CHANGED,
    FilingState.REVOKED,
    FilingState.EXPIRED,
]


def offered(role: str, url: str) -> set[str]:
    client = Client()
    client.force_login(UserFactory(role=role))
    response = client.get(url)
    assert response.status_code == 200
    return set(TASK.findall(response.content.decode()))


def from_tables(transitions, capacities, state, role) -> set[str]:
    capacity = Capacity(role)
    return {
        action
        for (source, action), _target in transitions.items()
        if source == state and capacity in capacities[action]
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", FILING_STATES)
def test_a_filing_page_offers_what_the_capacity_table_allows(role, state):
    filing = FilingFactory(state=state, proof_basis="documents", end_reason="理由")
    expected = from_tables(FILING_TRANSITIONS, FILING_ACTION_CAPACITIES, state, role)
    if state == FilingState.SUBMITTED and Capacity(role) in MATERIAL_UPLOAD_CAPACITIES:
        expected.add("upload")
    assert offered(role, f"/admin/filings/filing/{filing.pk}/change/") == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", list(ClaimState))
def test_a_claim_page_offers_what_the_capacity_table_allows(role, state):
    claim = ClaimFactory(state=state)
    expected = from_tables(CLAIM_TRANSITIONS, CLAIM_ACTION_CAPACITIES, state, role)
    if state in CHECKLIST_OPEN_STATES and Capacity(role) in MATERIAL_STATUS_CAPACITIES:
        expected.add("upload")
    assert offered(role, f"/admin/reimbursements/claim/{claim.pk}/change/") == expected


@pytest.mark.parametrize(
    "role, state, expected",
    [
        (Role.COUNTER, FilingState.SUBMITTED, {"correct_contact", "withdraw", "upload"}),
        (Role.COUNTER, FilingState.EFFECTIVE, {"change", "correct_contact", "revoke"}),
        (Role.REVIEWER, FilingState.SUBMITTED, {"approve", "reject"}),
        (Role.REVIEWER, FilingState.EFFECTIVE, set()),
        (Role.AUDITOR, FilingState.SUBMITTED, set()),
        (Role.COUNTER, FilingState.REVOKED, set()),
    ],
)
def test_filing_tasks_written_out(role, state, expected):
    filing = FilingFactory(state=state, proof_basis="documents", end_reason="理由")
    assert offered(role, f"/admin/filings/filing/{filing.pk}/change/") == expected


@pytest.mark.parametrize(
    "role, state, expected",
    [
        (Role.COUNTER, ClaimState.SUBMITTED, {"request_materials", "withdraw", "upload"}),
        (Role.COUNTER, ClaimState.MATERIALS_INCOMPLETE, {"submit", "withdraw", "upload"}),
        (Role.REVIEWER, ClaimState.SUBMITTED, {"start_review", "reject"}),
        (Role.REVIEWER, ClaimState.UNDER_REVIEW, {"approve", "reject"}),
        (Role.ADMIN, ClaimState.APPROVED, {"pay"}),
        (Role.AUDITOR, ClaimState.UNDER_REVIEW, set()),
    ],
)
def test_claim_tasks_written_out(role, state, expected):
    claim = ClaimFactory(state=state)
    assert offered(role, f"/admin/reimbursements/claim/{claim.pk}/change/") == expected


@pytest.mark.parametrize("role", ROLES)
def test_a_task_not_offered_is_refused_when_asked_for_by_url(role):
    filing = FilingFactory(state=FilingState.SUBMITTED)
    client = Client()
    client.force_login(UserFactory(role=role))
    may_approve = Capacity(role) in FILING_ACTION_CAPACITIES["approve"]
    status = client.get(f"/admin/filings/filing/{filing.pk}/do/approve/").status_code
    assert status == (200 if may_approve else 403)


@pytest.mark.parametrize("role", ROLES)
def test_stored_records_read_as_views_without_save_buttons(role):
    filing = FilingFactory()
    client = Client()
    client.force_login(UserFactory(role=role))
    html = client.get(f"/admin/filings/filing/{filing.pk}/change/").content.decode()
    assert 'name="_save"' not in html and "查看" in html


def test_the_counter_edits_an_open_claims_checklist_and_only_reads_a_decided_one():
    client = Client()
    client.force_login(UserFactory(role=Role.COUNTER))
    open_claim, decided = ClaimFactory(state=ClaimState.SUBMITTED), ClaimFactory(state=ClaimState.APPROVED)
    open_page = client.get(f"/admin/reimbursements/claim/{open_claim.pk}/change/").content.decode()
    decided_page = client.get(f"/admin/reimbursements/claim/{decided.pk}/change/").content.decode()
    assert 'class="material-form"' in open_page and 'class="material-form"' not in decided_page
    assert 'id="materials-panel"' in decided_page  # read, without controls
    assert 'name="_save"' not in open_page + decided_page  # the checklist changes on the panel, nothing else


@pytest.mark.parametrize(
    "role, url, actions",
    [
        (Role.COUNTER, "/admin/filings/filingreviewqueue/", set()),
        (Role.REVIEWER, "/admin/filings/filingreviewqueue/", {"approve_filings", "reject_filings"}),
        (Role.AUDITOR, "/admin/filings/filingreviewqueue/", set()),
        (Role.REVIEWER, "/admin/reimbursements/claimreviewqueue/", {"start_review_claims"}),
        (Role.COUNTER, "/admin/reimbursements/claimreviewqueue/", set()),
        (Role.COUNTER, "/admin/filings/filing/", set()),
    ],
)
def test_bulk_actions_are_offered_only_to_roles_that_may_take_them(role, url, actions):
    FilingFactory(state=FilingState.SUBMITTED)
    client = Client()
    client.force_login(UserFactory(role=role))
    response = client.get(url)
    choices = response.context["action_form"].fields["action"].choices if response.context.get("action_form") else []
    assert {value for value, _label in choices if value} == actions
