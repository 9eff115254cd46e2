from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReimbursementsConfig(AppConfig):
    name = "reimbursements"
    verbose_name = _("Manual reimbursement claims")

    def ready(self):
        from registry.calendar import calendar_changed
        from reimbursements.receivers import recount_review_due

        calendar_changed.connect(recount_review_due, dispatch_uid="reimbursements.recount_review_due")
