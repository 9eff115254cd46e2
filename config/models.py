"""Abstract model pieces shared by the apps: policy periods and record versions."""

from __future__ import annotations

import datetime

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EffectivePeriodQuerySet(models.QuerySet):
    def in_force(self, on: datetime.date | None = None):
        """Rows in force on ``on`` (today by default); ``effective_to`` is the last day in force."""
        on = on or timezone.localdate()
        return self.filter(Q(effective_from__lte=on), Q(effective_to__isnull=True) | Q(effective_to__gte=on))


class UploadQuotas(models.Model):
    """The upload quotas a policy row states (filings' and claims' alike; ``config.files`` applies them)."""

    max_files_per_item = models.PositiveSmallIntegerField(
        _("files per checklist item at most"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_("Replaced files are kept as evidence and count too; one more upload is refused."),
    )
    max_record_upload_kb = models.PositiveIntegerField(
        _("total size of a record's current files at most (KB)"),
        default=50 * 1024,
        validators=[MinValueValidator(1)],
        help_text=_("Only each item's current file counts, not the ones it replaced. 51200 KB is 50 MB."),
    )

    class Meta:
        abstract = True

    @classmethod
    def quota_constraint(cls, name: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=Q(max_files_per_item__gte=1, max_record_upload_kb__gte=1),
            name=name,
            violation_error_message=_("The upload quotas allow at least one file."),
        )


class EffectivePeriod(models.Model):
    """A row of policy data valid from ``effective_from`` through ``effective_to`` (open when empty)."""

    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(
        _("effective to"), null=True, blank=True, help_text=_("Last day in force; leave empty while in force.")
    )

    objects = EffectivePeriodQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = []

    @classmethod
    def period_constraint(cls, name: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
            name=name,
            violation_error_message=_("The end of the period cannot be before its start."),
        )


class Versioned(models.Model):
    """A mutable record with a version that every write increments (for If-Match / lost updates)."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version = (self.version or 0) + 1
            self.updated_at = timezone.now()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        super().save(*args, **kwargs)


def history_user(request=None, instance=None, **kwargs):
    """The staff user recorded in django-simple-history rows, never a channel or person principal.

    A person acting through a channel is not a ``User``; their actions are recorded by the
    domain events, and the history row then names no staff user.
    """
    from django.contrib.auth import get_user_model

    user = getattr(instance, "_history_user", None) or getattr(request, "user", None)
    return user if isinstance(user, get_user_model()) else None


def joined_columns(relation: str, model: type[models.Model], keep: set[str]) -> list[str]:
    """What to ``defer()`` so that a ``select_related`` join reads only ``keep`` (and the key) of ``model``.

    A list page joins the person, the destination and the filings each one replaces; reading all
    their columns for three of them cost more Python (row loading, model building) than the page.
    """
    return [
        f"{relation}__{field.name}"
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in keep
    ]
