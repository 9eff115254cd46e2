"""The auditors' event browser has no table of its own: it reads the filing and claim event tables.

``AuditEvent`` is an unmanaged model so the browser appears in the admin (index, breadcrumbs,
permissions) like any other page; nothing is ever stored in it or read from it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Meta:
        managed = False
        default_permissions = ("view",)
        verbose_name = _("event (all records)")
        verbose_name_plural = _("events (all records)")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
