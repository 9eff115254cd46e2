"""Output shapes shared by every aggregate: the state event."""

from __future__ import annotations

from rest_framework import serializers


class StateEventSerializer(serializers.ModelSerializer):
    """One event of a record's history; ``for_subject`` names the record's field (``filing``, ``claim``)."""

    channel = serializers.CharField(source="channel_id", allow_null=True)
    actor = serializers.CharField(source="actor_label")

    class Meta:
        fields = ["id", "action", "from_state", "to_state", "actor", "channel", "at", "reason", "changes"]

    def to_representation(self, instance):
        """``changes`` pass through ``context["mask_changes"]`` (personal identifiers masked) when given."""
        data = super().to_representation(instance)
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
