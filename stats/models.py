"""The statistics pages of the admin: like the auditors' event browser (``audit.models.AuditEvent``), models
with no table, so each page has its place on the index, its breadcrumbs and its permission check. Every
figure is read from the filing and claim event tables and the record of eligibility answers
(``stats.selectors``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StatisticsPage(models.Model):
    subject = ""  # a key of stats.selectors.SUBJECTS

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class FilingStatistics(StatisticsPage):
    subject = "filings"

    class Meta:
        managed = False
        default_permissions = ("view",)
        verbose_name = verbose_name_plural = _("filing statistics")


class ClaimStatistics(StatisticsPage):
    subject = "claims"

    class Meta:
        managed = False
        default_permissions = ("view",)
        verbose_name = verbose_name_plural = _("claim statistics")


class ServiceStatistics(StatisticsPage):
    subject = "service"

    class Meta:
        managed = False
        default_permissions = ("view",)
        verbose_name = verbose_name_plural = _("service-time statistics")


class EligibilityStatistics(StatisticsPage):
    subject = "eligibility"

    class Meta:
        managed = False
        default_permissions = ("view",)
        verbose_name = verbose_name_plural = _("eligibility statistics")


# ------------------------------------------------------------------------------------------ daily aggregates
#
# The figures of each closed day, written by ``stats.services.refresh`` (the nightly job
# ``stats.refresh_statistics``, or ``manage.py refresh_statistics``): one row per day, grouping and group —
# the grouping "" holding the day's total in the key "" — so a period's page sums a few rows per day whatever
# the number of events (a row per combination of every grouping would be about one per event at city scale:
# 3,986,609 rows for 5 million events, measured). A period's figures add these rows for its days that have
# been rolled up (``RolledDay``) to a direct count of its other days (today, or a history never rolled up).
# Service times need every decision's value (medians do not add up): ``DecisionDay`` keeps one row each.


class RolledDay(models.Model):
    """A day whose events are in the daily aggregates, and when they were counted."""

    day = models.DateField(_("day"), primary_key=True)
    rolled_at = models.DateTimeField(_("counted at"))

    class Meta:
        verbose_name = _("day rolled up")
        verbose_name_plural = _("days rolled up")
        default_permissions = ()

    def __str__(self) -> str:
        return self.day.isoformat()


class DayRow(models.Model):
    day = models.DateField(_("day"))
    grouping = models.CharField(_("grouping"), max_length=24, blank=True)  # "": the day's total
    key = models.CharField(_("group"), max_length=40, null=True, blank=True)  # None: events with no value

    class Meta:
        abstract = True
        default_permissions = ()

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.day.isoformat()} {self.grouping}={self.key}"


class FilingDay(DayRow):
    new = models.PositiveIntegerField(default=0)
    new_self_service = models.PositiveIntegerField(default=0)
    new_fast_track = models.PositiveIntegerField(default=0)
    effective = models.PositiveIntegerField(default=0)
    effective_at_once = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    revoked = models.PositiveIntegerField(default=0)
    expired = models.PositiveIntegerField(default=0)

    class Meta(DayRow.Meta):
        indexes = [models.Index(fields=["grouping", "day"], name="stats_filingday_grouping_day")]


class ClaimDay(DayRow):
    received = models.PositiveIntegerField(default=0)
    materials_requested = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    paid = models.PositiveIntegerField(default=0)
    reduced = models.PositiveIntegerField(default=0)
    amount_claimed = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    amount_eligible = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    own_share = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    deductible_applied = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    amount_approved = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    amount_paid = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta(DayRow.Meta):
        indexes = [models.Index(fields=["grouping", "day"], name="stats_claimday_grouping_day")]


class EligibilityDay(DayRow):
    answered = models.PositiveIntegerField(default=0)
    covered = models.PositiveIntegerField(default=0)
    not_covered = models.PositiveIntegerField(default=0)

    class Meta(DayRow.Meta):
        indexes = [models.Index(fields=["grouping", "day"], name="stats_eligday_grouping_day")]


class DecisionDay(models.Model):
    """One reviewer's decision as the service-time figures read it."""

    day = models.DateField(_("day"), db_index=True)
    desk = models.CharField(_("desk"), max_length=8)  # filing / claim
    event_id = models.BigIntegerField()
    actor_label = models.CharField(_("actor"), max_length=80)
    days = models.FloatField(null=True)  # from the record's first submission; none when it has none
    overdue = models.BooleanField(default=False)
    rounds = models.PositiveIntegerField(default=0)

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["desk", "event_id"], name="stats_decision_once")]

    def __str__(self) -> str:
        return f"{self.desk} decision {self.event_id}"
