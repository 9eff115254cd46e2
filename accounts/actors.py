"""Who acts in a service call: staff, a person through a channel, a channel or hospital, or the system.

Services take an ``Actor`` rather than a request, so the API, the admin and the nightly
commands all describe the caller the same way, and every event records it.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.choices import COUNTER_CHANNEL, Role
from accounts.models import Channel, User
from accounts.principals import ChannelPrincipal, PersonPrincipal


@dataclass(frozen=True)
class Actor:
    kind: str  # "staff", "person", "channel", "system"
    channel_code: str | None
    user: User | None = None
    person_id: int | None = None

    @classmethod
    def from_principal(cls, principal) -> Actor:
        if isinstance(principal, PersonPrincipal):
            return cls(kind="person", channel_code=principal.channel.code, person_id=principal.person_id)
        if isinstance(principal, ChannelPrincipal):
            return cls(kind="channel", channel_code=principal.channel.code)
        if isinstance(principal, User):
            return cls.staff(principal)
        raise TypeError(f"not an authenticated principal: {principal!r}")

    @classmethod
    def staff(cls, user: User, channel_code: str = COUNTER_CHANNEL) -> Actor:
        return cls(kind="staff", channel_code=channel_code, user=user)

    @classmethod
    def system(cls) -> Actor:
        return cls(kind="system", channel_code=None)

    @property
    def role(self) -> str | None:
        if self.user is None or not self.user.is_active:
            return None
        return Role.ADMIN if self.user.is_superuser else (self.user.role or None)

    def has_role(self, *roles: str) -> bool:
        return self.kind == "staff" and self.role in roles

    @property
    def is_hospital(self) -> bool:
        return self.kind == "channel" and self.channel_code == "hospital"

    @property
    def label(self) -> str:
        if self.kind == "staff":
            return f"staff:{self.user.username}"
        if self.kind == "person":
            return f"person:{self.person_id}"
        if self.kind == "channel":
            return f"channel:{self.channel_code}"
        return "system"

    def channel(self) -> Channel | None:
        return Channel.objects.get(code=self.channel_code) if self.channel_code else None
