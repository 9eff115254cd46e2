"""The outbox: every change a person should hear of writes one notification, in the change's own transaction."""

import datetime
import json
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.actors import Actor
from filings import services as filing_services
from filings.choices import FilingAction, FilingState
from filings.models import Filing, FilingEvent
from notifications import services
from notifications.models import Notification
from reimbursements import services as claim_services
from reimbursements.choices import ClaimAction, ClaimState
from reimbursements.models import Claim
from tests.factories import ClaimFactory, FilingFactory, PersonFactory, claim_accept_all
from tests.notifications.helpers import (
    FULL_ID_NUMBER,
    as_person,
    counter,
    fast_track_filing,
    reviewer,
    self_service_filing,
)

pytestmark = pytest.mark.django_db


def kinds(**filters) -> list[str]:
    return list(Notification.objects.filter(**filters).order_by("id").values_list("kind", flat=True))


class TestFilingEvents:
    def test_a_self_service_filing_tells_the_person_it_is_effective_through_its_channel(self):
        person = PersonFactory()
        filing = self_service_filing(person, channel="mzt_app")
        notification = Notification.objects.get()
        assert (notification.kind, notification.reference, notification.channel_id) == (
            "filing_effective",
            filing.reference,
            "mzt_app",
        )
        assert notification.person_id == person.pk and notification.filing_id == filing.pk
        activate = FilingEvent.objects.get(filing=filing, action=FilingAction.ACTIVATE)
        assert notification.key == f"event:{activate.pk}"
        assert notification.status == "pending" and notification.attempts == 0
        payload = notification.payload
        assert payload["reference"] == filing.reference and payload["state"] == "effective"
        assert payload["start_date"] == filing.start_date.isoformat()
        assert filing.reference in payload["message"] and payload["title"]

    def test_approval_rejection_and_revocation_each_notify_once(self):
        person = PersonFactory()
        approved = fast_track_filing(person)
        assert kinds() == []  # submitted for review: nothing to tell yet
        filing_services.filing_transition(filing_id=approved.pk, action=FilingAction.APPROVE, actor=reviewer())
        filing_services.filing_transition(
            filing_id=approved.pk, action=FilingAction.REVOKE, actor=as_person(person), reason="回厦门居住"
        )
        rejected = fast_track_filing(PersonFactory())
        filing_services.filing_transition(
            filing_id=rejected.pk, action=FilingAction.REJECT, actor=reviewer(), reason="材料不清晰"
        )
        assert kinds(reference=approved.reference) == ["filing_effective", "filing_revoked"]
        assert kinds(reference=rejected.reference) == ["filing_rejected"]
        revoked = Notification.objects.get(kind="filing_revoked")
        assert revoked.payload["reason"] == "回厦门居住"
        assert revoked.payload["covered_until"] == (timezone.localdate() - datetime.timedelta(days=1)).isoformat()

    def test_withdrawal_and_contact_corrections_tell_nothing(self):
        person = PersonFactory()
        filing = fast_track_filing(person)
        filing_services.filing_transition(
            filing_id=filing.pk, action=FilingAction.CORRECT_CONTACT, actor=as_person(person), contact_name="李四"
        )
        filing_services.filing_transition(filing_id=filing.pk, action=FilingAction.WITHDRAW, actor=as_person(person))
        assert Notification.objects.count() == 0

    def test_system_expiry_and_revocations_of_the_jobs_notify_the_revoked_ones(self):
        today = timezone.localdate()
        FilingFactory(start_date=today - datetime.timedelta(days=300), end_date=today - datetime.timedelta(days=1))
        uninsured = FilingFactory()
        uninsured.person.insured_status = "suspended"
        uninsured.person.save()
        filing_services.filings_expire()
        filing_services.filings_revoke_uninsured()
        assert kinds() == ["filing_revoked"]  # an expiry was announced ahead, not after
        assert Notification.objects.get().payload["reason"]


class TestClaimEvents:
    def test_materials_request_approval_rejection_and_payment_notify_the_person(self):
        claim = ClaimFactory(state=ClaimState.PAID)
        other = ClaimFactory()
        claim_services.claim_transition(claim_id=other.pk, action=ClaimAction.REQUEST_MATERIALS, actor=counter())
        third = ClaimFactory()
        claim_services.claim_transition(claim_id=third.pk, action=ClaimAction.REJECT, actor=reviewer(), reason="重复")
        assert kinds(reference=claim.reference) == ["claim_approved", "claim_paid"]
        assert kinds(reference=other.reference) == ["claim_materials_requested"]
        assert kinds(reference=third.reference) == ["claim_rejected"]
        paid = Notification.objects.get(kind="claim_paid")
        assert paid.payload["payable_amount"] == str(Claim.objects.get(pk=claim.pk).payable_amount)
        assert paid.payload["payment_reference"] == "PAY-TEST"
        asked = Notification.objects.get(kind="claim_materials_requested")
        assert "discharge_summary" in asked.payload["missing"] and "出院小结" in asked.payload["reason"]
        assert asked.channel_id == "counter"  # filed at the counter: told through the counter's channel

    def test_a_claim_made_through_a_channel_is_told_through_that_channel(self):
        person = PersonFactory()
        claim = ClaimFactory(person=person, submitted_by=SimpleNamespace(actor=as_person(person, "nhsa_app")))
        claim_accept_all(claim)
        claim_services.claim_transition(claim_id=claim.pk, action=ClaimAction.START_REVIEW, actor=reviewer())
        claim_services.claim_transition(claim_id=claim.pk, action=ClaimAction.APPROVE, actor=reviewer())
        notification = Notification.objects.get()
        assert (notification.kind, notification.channel_id, notification.person_id) == (
            "claim_approved",
            "nhsa_app",
            person.pk,
        )


class TestSameTransaction:
    def test_a_failing_notification_rolls_the_change_back(self, monkeypatch):
        person = PersonFactory()
        filing = fast_track_filing(person)

        def broken(**kwargs):
            raise RuntimeError("outbox unavailable")

        monkeypatch.setattr(services, "notification_for_event", broken)
        monkeypatch.setattr("notifications.receivers.notification_for_event", broken)
        with pytest.raises(RuntimeError):
            filing_services.filing_transition(filing_id=filing.pk, action=FilingAction.APPROVE, actor=reviewer())
        assert Filing.objects.get(pk=filing.pk).state == FilingState.SUBMITTED
        assert not FilingEvent.objects.filter(filing=filing, action=FilingAction.APPROVE).exists()

    def test_a_change_rolled_back_leaves_no_notification(self):
        filing = fast_track_filing(PersonFactory())
        with pytest.raises(RuntimeError), transaction.atomic():
            filing_services.filing_transition(filing_id=filing.pk, action=FilingAction.APPROVE, actor=reviewer())
            assert Notification.objects.count() == 1  # written inside the change's transaction
            raise RuntimeError("a later step of the same transaction fails")
        assert Notification.objects.count() == 0
        assert Filing.objects.get(pk=filing.pk).state == FilingState.SUBMITTED

    def test_an_approval_adds_exactly_one_query_for_its_notification(self):
        filing = fast_track_filing(PersonFactory())
        actor = reviewer()
        with CaptureQueriesContext(connection) as queries:
            filing_services.filing_transition(filing_id=filing.pk, action=FilingAction.APPROVE, actor=actor)
        inserts = [q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]]
        assert len(inserts) == 1 and inserts[0].startswith("INSERT")


class TestNoFullIdNumbers:
    def test_no_payload_carries_a_full_id_number_even_when_a_reason_quotes_one(self):
        person = PersonFactory()
        filing = fast_track_filing(person)
        filing_services.filing_transition(
            filing_id=filing.pk,
            action=FilingAction.REJECT,
            actor=reviewer(),
            reason=f"身份证号 {person.id_number} 与材料不符，联系电话 13906001234",
        )
        claim = ClaimFactory(person=person, state=ClaimState.PAID)
        rejected = ClaimFactory(person=PersonFactory())
        claim_services.claim_transition(
            claim_id=rejected.pk, action=ClaimAction.REJECT, actor=reviewer(), reason=f"代办人 {person.id_number}"
        )
        self_service_filing(PersonFactory())
        assert Notification.objects.count() == 5
        for notification in Notification.objects.all():
            text = json.dumps(notification.payload, ensure_ascii=False)
            assert not FULL_ID_NUMBER.search(text), text
            assert "13906001234" not in text
            assert notification.payload["person"]["id_number"].count("*") == 8
        rejection = Notification.objects.get(reference=filing.reference)
        assert person.id_number[-4:] in rejection.payload["reason"]  # masked, still recognisable
        assert claim.reference in set(Notification.objects.values_list("reference", flat=True))


def test_messages_are_in_the_bureaus_language_whatever_the_request_spoke():
    from django.utils import translation

    with translation.override("en"):
        filing = self_service_filing(PersonFactory())
    payload = Notification.objects.get(reference=filing.reference).payload
    assert "备案" in payload["message"], payload["message"]


def test_the_system_actor_is_recorded_on_what_the_jobs_change():
    today = timezone.localdate()
    filing = FilingFactory(start_date=today - datetime.timedelta(days=300), end_date=today - datetime.timedelta(1))
    filing_services.filings_expire()
    event = FilingEvent.objects.get(filing=filing, action=FilingAction.EXPIRE)
    assert event.actor_label == "system" and event.actor is None
    assert Actor.system().label == "system"


def test_every_kind_the_services_write_matches_its_schema_in_the_feed_and_the_webhook_body():
    """One schema per kind, told apart by ``kind`` (the discriminator's mapping): what the outbox writes, as the
    feed answers it and a webhook posts it, validates against the variant its kind names."""
    from rest_framework.test import APIClient

    from notifications.choices import NotificationKind
    from tests.api.test_schema_truth import validator

    today = timezone.localdate()
    person = PersonFactory()
    rejected = fast_track_filing(person)
    filing_services.filing_transition(filing_id=rejected.pk, action=FilingAction.REJECT, actor=reviewer(), reason="x")
    effective = self_service_filing(PersonFactory())
    revoker = as_person(effective.person)
    filing_services.filing_transition(filing_id=effective.pk, action=FilingAction.REVOKE, actor=revoker, reason="y")
    FilingFactory(start_date=today - datetime.timedelta(days=300), end_date=today + datetime.timedelta(days=10))
    FilingFactory(proof_basis="commitment", commitment_due_date=today + datetime.timedelta(days=5))
    services.notifications_remind_expiring(today=today)
    services.notifications_remind_commitments(today=today)
    ClaimFactory(state=ClaimState.PAID)
    claim_services.claim_transition(claim_id=ClaimFactory().pk, action=ClaimAction.REQUEST_MATERIALS, actor=counter())
    claim_services.claim_transition(claim_id=ClaimFactory().pk, action=ClaimAction.REJECT, actor=reviewer(), reason="z")

    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    mapping = schema["components"]["schemas"]["Notification"]["discriminator"]["mapping"]
    written = {notification.kind: notification for notification in Notification.objects.all()}
    assert set(written) == set(NotificationKind.values) == set(mapping)
    for kind, notification in written.items():
        body = services.notification_document(notification)
        variant = mapping[kind].rsplit("/", 1)[-1]
        assert list(validator(schema, variant).iter_errors(json.loads(json.dumps(body)))) == [], kind
