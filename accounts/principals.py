"""Who is calling: the non-user principals that channel keys and person sessions authenticate as.

Staff authenticate as ``accounts.User``. A channel key authenticates as a
``ChannelPrincipal``; a person session as a ``PersonPrincipal``, which also carries the
channel that opened the session, so everything a person does is recorded with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Channel


@dataclass(frozen=True)
class ChannelPrincipal:
    channel: Channel

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    @property
    def is_hospital(self) -> bool:
        return self.channel.is_hospital

    def has_role(self, *roles: str) -> bool:
        return False

    def __str__(self) -> str:
        return f"channel:{self.channel.code}"


@dataclass(frozen=True)
class PersonPrincipal:
    person_id: int
    channel: Channel
    session_id: int

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    is_hospital = False

    def has_role(self, *roles: str) -> bool:
        return False

    def __str__(self) -> str:
        return f"person:{self.person_id}@{self.channel.code}"
