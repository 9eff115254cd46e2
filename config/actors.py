"""Who acts in a service call, and in what capacity: the types every app's rules are written in.

Services take an ``Actor`` rather than a request, so the API, the admin and the scheduled
jobs describe the caller the same way, and every event records it. Credentials (in
``accounts``) turn into actors: each authenticated principal carries an ``actor`` attribute,
so code below ``accounts`` reads the caller without importing it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext


class ActorKind(enum.StrEnum):
    STAFF = "staff"
    PERSON = "person"
    CHANNEL = "channel"
    SYSTEM = "system"


class Capacity(enum.StrEnum):
    """The capacity in which a caller acts; the rule tables of every aggregate are written in these.

    Staff roles are capacities of their own; a person acting through a channel's session is
    ``PERSON``; a key of a channel whose group is hospital is ``HOSPITAL``; scheduled jobs are
    ``SYSTEM``. A channel backend's own key has no capacity: it only opens person sessions.
    """

    COUNTER = "counter"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"
    ADMIN = "admin"
    PERSON = "person"
    HOSPITAL = "hospital"
    SYSTEM = "system"


STAFF_CAPACITIES = frozenset({Capacity.COUNTER, Capacity.REVIEWER, Capacity.AUDITOR, Capacity.ADMIN})
# Who may read records: staff read all of them, a person their own (scoped by the selectors).
READERS = STAFF_CAPACITIES | {Capacity.PERSON}
# Not a capacity: a channel backend's own key (not a hospital's), which opens person sessions and reads its
# channel's notification feed. Permissions name it for the schema's list of callers (config.api.openapi).
CHANNEL_BACKEND = "channel_backend"
# The channel recorded when staff act (at the counter, in the admin).
COUNTER_CHANNEL = "counter"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    capacity: Capacity | None
    channel_code: str | None
    user: Any = None  # the staff ``accounts.User`` recorded on events, when staff act
    person_id: int | None = None
    name: str = ""  # how history shows the actor: a username, a channel code
    institution_code: str | None = None  # a hospital key's institution (定点医疗机构)

    @classmethod
    def staff(cls, user, channel_code: str = COUNTER_CHANNEL) -> Actor:
        """Staff act in their role; a superuser acts as an administrator; an inactive account in none."""
        if not getattr(user, "is_active", False):
            capacity = None
        elif getattr(user, "is_superuser", False):
            capacity = Capacity.ADMIN
        else:
            capacity = Capacity(user.role) if getattr(user, "role", "") in STAFF_CAPACITIES else None
        return cls(kind=ActorKind.STAFF, capacity=capacity, channel_code=channel_code, user=user, name=user.username)

    @classmethod
    def person(cls, *, person_id: int, channel_code: str) -> Actor:
        return cls(kind=ActorKind.PERSON, capacity=Capacity.PERSON, channel_code=channel_code, person_id=person_id)

    @classmethod
    def channel(cls, *, channel_code: str, is_hospital: bool, institution_code: str | None = None) -> Actor:
        capacity = Capacity.HOSPITAL if is_hospital else None
        return cls(
            kind=ActorKind.CHANNEL,
            capacity=capacity,
            channel_code=channel_code,
            name=channel_code,
            institution_code=institution_code if is_hospital else None,
        )

    @classmethod
    def system(cls) -> Actor:
        return cls(kind=ActorKind.SYSTEM, capacity=Capacity.SYSTEM, channel_code=None)

    @property
    def is_staff(self) -> bool:
        return self.capacity in STAFF_CAPACITIES

    @property
    def is_hospital(self) -> bool:
        return self.capacity == Capacity.HOSPITAL

    def may(self, capacities) -> bool:
        return self.capacity is not None and self.capacity in capacities

    @property
    def label(self) -> str:
        """The actor as events store it: staff:<username>, person:<id>, channel:<code>, system."""
        if self.kind == ActorKind.STAFF:
            return f"staff:{self.name}"
        if self.kind == ActorKind.PERSON:
            return f"person:{self.person_id}"
        if self.kind == ActorKind.CHANNEL:
            return f"channel:{self.channel_code}"
        return "system"


def staff_name(user) -> str:
    """A staff account as people name it: family name first (王敏), else its username."""
    return f"{user.last_name}{user.first_name}".strip() or user.username


def staff_name_and_role(user) -> str:
    """A staff account as histories and reports name it: 王敏（窗口经办）; a superuser with no role: 管理员."""
    role = user.get_role_display() if hasattr(user, "get_role_display") else ""
    role = role or gettext("Administrator")  # outside the f-string, where makemessages finds it
    return f"{staff_name(user)}（{role}）"


def actor_of(user) -> Actor | None:
    """The actor behind ``request.user``: every principal of ``accounts`` carries one; anonymous none."""
    if not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "actor", None)
