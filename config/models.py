"""Abstract model pieces shared by the apps: policy periods and record versions."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
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
    """A row of policy data valid from ``effective_from`` through ``effective_to`` (open when empty).

    Rows of one policy follow one another: rows with the same ``policy_key`` (the fields naming what a row
    states a value for, e.g. a benefit row's insurance type, visit kind and level; none for a table that is a
    single timeline) never overlap (``clean``). A change of values is a new row from a date
    (``config.policy_rows.supersede``), never an edit of days that have been.
    """

    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(
        _("effective to"), null=True, blank=True, help_text=_("Last day in force; leave empty while in force.")
    )

    objects = EffectivePeriodQuerySet.as_manager()

    # The fields naming one timeline of the table; empty: the whole table is one timeline.
    policy_key: tuple[str, ...] = ()

    class Meta:
        abstract = True
        constraints = []

    def key_values(self) -> dict:
        """This row's timeline as a filter (``{"city_id": "350500"}``)."""
        return {
            self._meta.get_field(name).attname: getattr(self, self._meta.get_field(name).attname)
            for name in self.policy_key
        }

    def overlapping_row(self):
        """The first other row of this row's timeline whose period overlaps this one's, or None."""
        if self.effective_from is None or (self.effective_to is not None and self.effective_to < self.effective_from):
            return None
        end = self.effective_to or datetime.date.max
        return (
            type(self)
            ._default_manager.filter(**self.key_values())
            .exclude(pk=self.pk)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=self.effective_from), effective_from__lte=end)
            .order_by("effective_from")
            .first()
        )

    def clean(self):
        """Rows of one timeline follow one another: refused, under ``effective_from``, when periods overlap."""
        super().clean()
        if any(getattr(self, self._meta.get_field(name).attname) is None for name in self.policy_key):
            return
        clash = self.overlapping_row()
        if clash is not None:
            raise ValidationError(
                {
                    "effective_from": _(
                        "The row “%(row)s” is in force from %(start)s to %(end)s, overlapping this period: rows of "
                        "one policy follow one another. Start this row after that one ends, or change that one "
                        "from a date."
                    )
                    % {
                        "row": clash,
                        "start": clash.effective_from.isoformat(),
                        "end": clash.effective_to.isoformat() if clash.effective_to else "…",
                    }
                }
            )

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
