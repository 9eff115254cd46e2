"""Every filing transition by every kind of caller: who may, who is refused (403), who cannot see it (404)."""

import pytest
from django.utils import timezone

from filings.models import Filing, FilingEvent
from tests.factories import FilingFactory, PersonFactory

pytestmark = pytest.mark.django_db

CALLERS = ["owner", "stranger", "counter", "reviewer", "auditor", "admin", "hospital", "channel"]
DECIDERS = {"reviewer", "admin"}
ACTORS_FOR_PERSON = {"owner", "counter", "admin"}

# action, the state it starts from, the body, the success status, who may
CASES = [
    ("approve", "submitted", {}, 200, DECIDERS),
    ("reject", "submitted", {"reason": "材料不全"}, 200, DECIDERS),
    ("withdraw", "submitted", {}, 200, ACTORS_FOR_PERSON),
    ("revoke", "effective", {"reason": "不再需要"}, 200, ACTORS_FOR_PERSON),
    ("change", "effective", {"destination": "440000"}, 201, ACTORS_FOR_PERSON),
]
EXPECTED_STATE = {
    "approve": "effective",
    "reject": "rejected",
    "withdraw": "revoked",
    "revoke": "revoked",
    "change": "changed",
}


def caller(client_for, who, owner):
    if who == "owner":
        return client_for(person=owner)
    if who == "stranger":
        return client_for(person=PersonFactory())
    if who in ("hospital", "channel"):
        return client_for(channel="hospital" if who == "hospital" else "xm_wechat")
    return client_for(role=who)


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("action, state, body, ok, allowed", CASES, ids=[c[0] for c in CASES])
def test_transition_by_caller(client_for, who, action, state, body, ok, allowed):
    owner = PersonFactory()
    filing = FilingFactory(
        person=owner,
        state=state,
        effective_at=timezone.now() if state == "effective" else None,
        start_date=timezone.localdate(),
    )
    response = caller(client_for, who, owner).post(f"/api/v1/filings/{filing.reference}/{action}/", body)
    filing.refresh_from_db()
    if who in allowed:
        assert response.status_code == ok, response.content
        assert filing.state == EXPECTED_STATE[action]
        event = FilingEvent.objects.get(filing=filing)
        assert (event.action, event.from_state, event.to_state) == (action, state, EXPECTED_STATE[action])
    else:
        # Authorise first: a capacity that may never take the action is 403 before any lookup;
        # a person who may take it, on someone else's filing, finds nothing (404).
        expected = 404 if who == "stranger" and "owner" in allowed else 403
        assert response.status_code == expected, response.content
        assert set(response.json()) == {"code", "message", "errors"}
        assert filing.state == state and filing.version == 1
        assert not FilingEvent.objects.exists()
        assert Filing.objects.count() == 1


@pytest.mark.parametrize(
    "action, state",
    [
        ("approve", "effective"),
        ("reject", "rejected"),
        ("withdraw", "effective"),
        ("revoke", "submitted"),
        ("revoke", "expired"),
        ("change", "revoked"),
        ("approve", "changed"),
        ("withdraw", "rejected"),
    ],
)
def test_illegal_transitions_are_409_and_change_nothing(client_for, action, state):
    filing = FilingFactory(state=state, end_reason="x", covered_until=timezone.localdate())
    client = client_for(role="admin")  # may do everything the table allows
    body = {"reason": "x", **({"destination": "440000"} if action == "change" else {})}  # what each action takes
    response = client.post(f"/api/v1/filings/{filing.reference}/{action}/", body)
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "invalid_transition"
    filing.refresh_from_db()
    assert (filing.state, filing.version) == (state, 1)
    assert not FilingEvent.objects.exists()
