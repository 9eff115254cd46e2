"""Signal receivers: a change of state that a person should hear of writes its notification, in its transaction."""

from __future__ import annotations

from notifications.services import notification_for_event


def notify_on_state_change(sender, *, record, event, machine, step, **kwargs) -> None:
    """Connected to ``config.transitions.state_changed``: runs inside the transaction of the change."""
    notification_for_event(record_type=machine.subject, record=record, event=event, step=step)
