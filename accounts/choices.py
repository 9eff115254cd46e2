"""Enumerations of the accounts app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTER = "counter", _("Counter staff")
    REVIEWER = "reviewer", _("Reviewer")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


class ChannelGroup(models.TextChoices):
    MOBILE = "mobile", _("Mobile (掌上办)")
    ONLINE = "online", _("Online (网上办)")
    SELF_SERVICE = "self_service", _("Self-service (自助办)")
    COUNTER = "counter", _("Counter (窗口办)")
    HOSPITAL = "hospital", _("Hospital")
