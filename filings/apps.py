from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilingsConfig(AppConfig):
    name = "filings"
    verbose_name = _("Cross-region treatment filings")

    def ready(self):
        from filings.receivers import recount_review_due
        from registry.calendar import calendar_changed

        calendar_changed.connect(recount_review_due, dispatch_uid="filings.recount_review_due")
