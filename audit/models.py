"""The auditors' tables: the event browser and the decisions report (no tables of their own), and the record of
eligibility answers.

``AuditEvent`` is an unmanaged model so the browser appears in the admin (index, breadcrumbs,
permissions) like any other page; nothing is ever stored in it or read from it: it reads the filing
and claim event tables.

``EligibilityQuestion`` is one row per eligibility answer given to a hospital (or staff): who asked,
about whom, and what was answered. Append-only, like the event tables.
"""

import pgtrigger
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.choices import VisitKind


class AuditEvent(models.Model):
    class Meta:
        managed = False
        default_permissions = ("view",)
        verbose_name = _("event (all records)")
        verbose_name_plural = _("events (all records)")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class DecisionReport(models.Model):
    """The decisions report (``audit.decisions``): like ``AuditEvent``, a page of the admin with no table."""

    class Meta:
        managed = False
        default_permissions = ("view",)
        verbose_name = _("decision (filings and claims)")
        verbose_name_plural = _("decisions (filings and claims)")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class EligibilityQuestion(models.Model):
    """One eligibility answer given (就医资格核验记录): who asked, about which ID number, for which place, day and
    visit, and what was answered. Rows are written by ``audit.services.eligibility_question_record`` only,
    and never changed (the database refuses UPDATE and DELETE).

    The ID number is never stored: only its keyed hash (HMAC-SHA-256 under ``SECRET_KEY``), so an auditor
    who types a number finds its rows, and a copy of the table alone tells no number. ``person`` is the
    insured person the number belonged to when asked (none for a number of nobody — a guess, or a person
    insured elsewhere), so "who asked about this person" is one indexed lookup that survives a rotation of
    ``SECRET_KEY``; the hash also finds questions asked before the person was registered here.

    The three references (person, institution, city) have no database constraint: a constraint's check
    locks the referenced row (``FOR KEY SHARE``) at every insert, and every question of one hospital would
    lock that hospital's row. Their values come from the same request's lookups, and persons, institutions
    and regions are never deleted (``PROTECT`` keeps Django from doing so).
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,  # (institution, at) below
        related_name="+",
        verbose_name=_("institution asking"),
        help_text=_("The institution of the hospital key that asked; empty when staff asked."),
    )
    caller = models.CharField(_("asked by"), max_length=80, help_text=_("channel:<code> for a key, staff:<username>."))
    key_prefix = models.CharField(
        _("API key"), max_length=16, blank=True, help_text=_("The public prefix of the API key that asked.")
    )
    id_number_digest = models.CharField(_("ID number (keyed hash)"), max_length=64, db_index=True, editable=False)
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,  # (person, at) below
        related_name="+",
        verbose_name=_("person"),
        help_text=_("The insured person the number belonged to when asked; empty when it matched nobody."),
    )
    city = models.ForeignKey(
        "registry.Region",
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("city of treatment"),
    )
    visit = models.CharField(_("visit"), max_length=24, choices=VisitKind.choices)
    treatment_date = models.DateField(_("day asked about"))
    covered = models.BooleanField(_("covered"))
    reason_code = models.CharField(_("reason code"), max_length=32)

    class Meta:
        verbose_name = _("eligibility question")
        verbose_name_plural = _("eligibility questions")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["person", "at"], name="eligibility_q_person_at"),
            models.Index(fields=["institution", "at"], name="eligibility_q_institution_at"),
        ]
        triggers = [
            pgtrigger.Protect(name="eligibility_question_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return gettext("Eligibility question of %(at)s") % {"at": f"{timezone.localtime(self.at):%Y-%m-%d %H:%M}"}
