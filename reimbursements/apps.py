from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReimbursementsConfig(AppConfig):
    name = "reimbursements"
    verbose_name = _("Manual reimbursement claims")
