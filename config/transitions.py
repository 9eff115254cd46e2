"""The one state machine every aggregate (filings, claims) changes state through.

An aggregate declares its table (``(from_state, action) -> to_state``, with ``None`` for a
record not yet stored), who may take each action (capacities), and its event model; then
every change, whether it comes from the API, the admin or a scheduled job, goes the same
way: lock the row (checking the version the caller read), authorise the actor, look up the
next state, run the aggregate's rule for the action, write the state and its event in one
transaction. Nothing else writes ``state``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from config.actors import Actor, Capacity
from config.errors import InvalidTransition, NotFound, PermissionRefused, StaleVersion, ValidationFailed
from config.personal import mask_free_text


def authorize(actor: Actor | None, capacities, *, owner_id: int | None = None, refusal=None) -> None:
    """Refuse (403) an actor whose capacity is not among ``capacities``.

    A person acting on someone else's record gets 404, as if it did not exist: the answer
    must not tell one person that another's record is there.
    """
    if actor is not None and actor.capacity == Capacity.PERSON and owner_id is not None:
        if owner_id != actor.person_id:
            raise NotFound()
    if actor is None or not actor.may(capacities):
        raise PermissionRefused(refusal, code="action_not_allowed")


@dataclass
class Step:
    """What an aggregate's rule for one action sees, and what it leaves for the event."""

    actor: Actor
    action: str
    from_state: str | None
    to_state: str
    reason: str
    now: datetime.datetime
    today: datetime.date
    params: Mapping[str, Any]
    changes: dict = field(default_factory=dict)


# Sent right after a state change's event is written, inside its transaction, with ``record``,
# ``event``, ``machine`` and ``step``: what a receiver writes (a notification to the person) commits
# or rolls back with the change itself. Apps above this one listen; nothing here knows them.
state_changed = Signal()


# A rule checks the record and the step, changes the record's other fields, and may add to
# ``step.changes`` or replace ``step.reason``; it raises an ApplicationError to refuse.
Rule = Callable[[Any, Step], None]


class StateMachine:
    """The transition table, capacities and event model of one aggregate, and the one way to move it."""

    def __init__(
        self,
        *,
        model: type[models.Model],
        event_model: type[models.Model],
        subject: str,
        transitions: Mapping[tuple[str | None, str], str],
        capacities: Mapping[str, frozenset[Capacity]],
        states: type[models.TextChoices],
        actions: type[models.TextChoices],
        noun,
        create_action: str = "submit",
        rules: Mapping[str, Rule] | None = None,
        lock_related: tuple[str, ...] = ("person",),
    ):
        missing = {action for _from, action in transitions} - set(capacities)
        if missing:
            raise ValueError(f"{model.__name__}: no capacities for {sorted(missing)}")
        self.model = model
        self.event_model = event_model
        self.subject = subject  # the event's foreign key to the record
        self.transitions = dict(transitions)
        self.capacities = dict(capacities)
        self.states = states
        self.actions = actions
        self.noun = noun
        self.create_action = create_action
        self.rules = dict(rules or {})
        self.lock_related = lock_related

    # --- reading the table -------------------------------------------------------------------

    def authorize(self, actor: Actor | None, action: str, *, owner_id: int | None = None) -> None:
        refusal = _("You may not take the action “%(action)s” on this %(noun)s.") % {
            "action": self.actions(action).label,
            "noun": self.noun,
        }
        authorize(actor, self.capacities.get(action, frozenset()), owner_id=owner_id, refusal=refusal)

    def target(self, state: str | None, action: str) -> str:
        """The state ``action`` leads to from ``state``; a move the table lacks is a 409."""
        target = self.transitions.get((state, action))
        if target is None:
            raise InvalidTransition(
                _("The action “%(action)s” is not possible on a %(noun)s that is %(state)s.")
                % {
                    "noun": self.noun,
                    "state": self.states(state).label if state else _("new"),
                    "action": self.actions(action).label,
                },
                errors={"state": [state or ""]},
            )
        return target

    # --- writing -----------------------------------------------------------------------------

    @property
    def reason_limit(self) -> int:
        """The longest reason both the event and the record (its ``end_reason``) can hold."""
        limits = [self.event_model._meta.get_field("reason").max_length]
        if any(f.name == "end_reason" for f in self.model._meta.fields):
            limits.append(self.model._meta.get_field("end_reason").max_length)
        return min(limits)

    def clean_reason(self, reason: str | None) -> str:
        """The reason, stripped; longer than the record or its event can hold is a 400, never a 500."""
        # Identifiers typed into a reason (an ID, a card, a mobile number) are never stored in full.
        reason = mask_free_text((reason or "").strip())
        limit = self.reason_limit
        if len(reason) > limit:
            raise ValidationFailed(
                _("The reason is too long."),
                errors={"reason": [_("At most %(n)d characters.") % {"n": limit}]},
            )
        return reason

    def lock(self, pk: int, expected_version: int | None = None):
        """The record, locked until the transaction ends; a stale ``expected_version`` is a 412."""
        record = (
            self.model.objects.select_for_update(of=("self",)).select_related(*self.lock_related).filter(pk=pk).first()
        )
        if record is None:
            raise NotFound()
        if expected_version is not None and record.version != expected_version:
            raise StaleVersion()
        return record

    def record_event(self, record, *, step: Step):
        event = self.event_model.record(
            actor=step.actor,
            action=step.action,
            from_state=step.from_state,
            to_state=step.to_state,
            reason=step.reason,
            changes=step.changes,
            **{self.subject: record},
        )
        state_changed.send(sender=self.model, record=record, event=event, machine=self, step=step)
        return event

    def _step(self, record, *, action: str, actor: Actor, reason: str, params: Mapping[str, Any]) -> Step:
        """Check ``action`` from the record's state and run its rule on the record (nothing is written)."""
        now = timezone.now()
        step = Step(
            actor=actor,
            action=action,
            from_state=record.state,
            to_state=self.target(record.state, action),
            reason=reason,
            now=now,
            today=timezone.localdate(now),
            params=params,
        )
        rule = self.rules.get(action)
        if rule is not None:
            rule(record, step)
        record.state = step.to_state
        return step

    def _apply(self, record, *, action: str, actor: Actor, reason: str, params: Mapping[str, Any]):
        """Run one step on a record already locked and authorised: rule, state, event."""
        step = self._step(record, action=action, actor=actor, reason=reason, params=params)
        record.save()
        self.record_event(record, step=step)
        return record

    def transition(
        self,
        *,
        pk: int,
        action: str,
        actor: Actor,
        reason: str = "",
        expected_version: int | None = None,
        **params,
    ):
        """Take ``action`` on the record ``pk``: one locked row, one rule, one event, one transaction."""
        reason = self.clean_reason(reason)
        with transaction.atomic():
            record = self.lock(pk, expected_version)
            self.authorize(actor, action, owner_id=getattr(record, "person_id", None))
            return self._apply(record, action=action, actor=actor, reason=reason, params=params)

    def create(
        self,
        record,
        *,
        actor: Actor,
        changes: dict | None = None,
        then: str | None = None,
        action: str | None = None,
        reason: str = "",
    ):
        """Store a new record in the state its ``(None, action)`` row names, with its event.

        ``action`` is the machine's creating action unless named (a filing of finished care is
        recorded as history). ``then`` names an action that follows at once as part of the same
        creation (a self-service filing takes effect when it is submitted); it is not authorised
        again. Call inside the transaction that holds whatever the creation locked.
        """
        action = action or self.create_action
        self.authorize(actor, action, owner_id=getattr(record, "person_id", None))
        now = timezone.now()
        step = Step(
            actor=actor,
            action=action,
            from_state=None,
            to_state=self.target(None, action),
            reason=reason,
            now=now,
            today=timezone.localdate(now),
            params={},
            changes=changes or {},
        )
        with transaction.atomic():
            record.state = step.to_state
            if then is None:
                record.save()
                self.record_event(record, step=step)
                return record
            # The following action's rule runs before the record is stored, which is then inserted once in the
            # state it ends in (not inserted, then updated with every column again); the version counts both
            # steps, as a second write would have, and the events record both, in order.
            following = self._step(record, action=then, actor=actor, reason="", params={})
            record.version = (record.version or 1) + 1
            record.save()
            self.record_event(record, step=step)
            self.record_event(record, step=following)
        return record
