"""Who is calling: the non-user principals that channel keys and person sessions authenticate as.

Staff authenticate as ``accounts.User``. A channel key authenticates as a
``ChannelPrincipal``; a person session as a ``PersonPrincipal``, which also carries the
channel that opened the session, so everything a person does is recorded with it. Each
carries the ``actor`` the services are called with.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Channel
from config.actors import Actor


class _Principal:
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None


@dataclass(frozen=True)
class ChannelPrincipal(_Principal):
    channel: Channel
    institution_code: str | None = None  # the institution a hospital's key belongs to

    @property
    def actor(self) -> Actor:
        return Actor.channel(
            channel_code=self.channel.code,
            is_hospital=self.channel.is_hospital,
            institution_code=self.institution_code,
        )

    def __str__(self) -> str:
        return f"channel:{self.channel.code}"


@dataclass(frozen=True)
class PersonPrincipal(_Principal):
    person_id: int
    channel: Channel
    session_id: int

    @property
    def actor(self) -> Actor:
        return Actor.person(person_id=self.person_id, channel_code=self.channel.code)

    def __str__(self) -> str:
        return f"person:{self.person_id}@{self.channel.code}"
