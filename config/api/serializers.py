"""Output shapes shared by every aggregate: the state event."""

from __future__ import annotations

from rest_framework import serializers

from config.actors import Actor, Capacity
from config.api.fast import FastOutput, shared_serializer
from config.personal import mask_free_text


def represent(serializer_class: type[serializers.Serializer], instance) -> dict:
    """``serializer_class(instance).data`` for a serializer that reads no context, from one shared instance."""
    return shared_serializer(serializer_class).to_representation(instance)


def actor_as_seen_by(event, reader: Actor | None) -> str:
    """The event's actor as ``reader`` may see it: a person reads staff by their role, never their username.

    ``staff:alice`` → ``staff:reviewer`` (``staff:admin`` for a superuser without a role); a
    person is shown to another person only as ``person``; channels and the system as stored.
    Staff and channels read the stored label.
    """
    label = event.actor_label
    if reader is None or reader.capacity != Capacity.PERSON:
        return label
    kind, _sep, key = label.partition(":")
    if kind == "staff":
        user = event.actor
        role = getattr(user, "role", "") or ("admin" if getattr(user, "is_superuser", False) else "")
        return f"staff:{role}" if role else "staff"
    if kind == "person":
        return label if key == str(reader.person_id) else "person"
    return label


class StateEventSerializer(FastOutput, serializers.ModelSerializer):
    """One event of a record's history; ``for_subject`` names the record's field (``filing``, ``claim``)."""

    channel = serializers.CharField(source="channel_id", allow_null=True)
    actor = serializers.CharField(source="actor_label")

    class Meta:
        fields = ["id", "action", "from_state", "to_state", "actor", "channel", "at", "reason", "changes"]

    def to_representation(self, instance):
        """``changes`` pass through ``context["mask_changes"]`` (personal identifiers masked) when given;
        ``actor`` is shown as ``context["reader"]`` may see it."""
        data = super().to_representation(instance)
        data["actor"] = actor_as_seen_by(instance, self.context.get("reader"))
        data["reason"] = mask_free_text(data["reason"])  # events stored before reasons were masked
        mask = self.context.get("mask_changes")
        if mask is not None:
            data["changes"] = mask(data["changes"])
        return data

    @classmethod
    def for_subject(cls, event_model, subject: str) -> type[StateEventSerializer]:
        """The serializer of ``event_model``, whose ``subject`` field shows the record's reference."""
        meta = type("Meta", (), {"model": event_model, "fields": ["id", subject, *cls.Meta.fields[1:]]})
        attrs = {"Meta": meta, subject: serializers.CharField(source=f"{subject}.reference")}
        return type(f"{event_model.__name__}Serializer", (cls,), attrs)
