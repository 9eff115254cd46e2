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
