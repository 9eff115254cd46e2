"""Records made through the services, as a channel's person would make them."""

import re

from django.utils import timezone

from config.actors import Actor
from filings import services as filing_services
from filings.models import Filing
from tests.factories import FilingRequestFactory, UserFactory, filing_attach_required_documents

# An 18-character mainland ID number anywhere in a text: none may leave in a notification.
FULL_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")


def as_person(person, channel: str = "xm_wechat") -> Actor:
    return Actor.person(person_id=person.pk, channel_code=channel)


def reviewer() -> Actor:
    return Actor.staff(UserFactory(role="reviewer"))


def counter() -> Actor:
    return Actor.staff(UserFactory(role="counter"))


def fast_track_filing(person, *, channel: str = "xm_wechat", documents: bool = True) -> Filing:
    """A fast-track filing awaiting review, submitted by the person through ``channel``."""
    filing = filing_services.filing_submit(
        actor=as_person(person, channel), data=FilingRequestFactory(fast_track=True, start_date=timezone.localdate())
    )
    if documents:
        filing_attach_required_documents(filing)
    return filing


def self_service_filing(person, *, channel: str = "xm_wechat", **data) -> Filing:
    """A self-service filing, effective at once (submit and activate events)."""
    return filing_services.filing_submit(
        actor=as_person(person, channel), data=FilingRequestFactory(start_date=timezone.localdate(), **data)
    )
