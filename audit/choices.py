"""Labels the audit pages show for codes other apps write."""

from django.utils.translation import gettext_lazy as _

# The reason codes of an eligibility answer (``filings.selectors.eligibility_check``), for the record's
# list filter and labels; a code missing here is still recorded and shown, without a label.
ELIGIBILITY_REASONS = {
    "local": _("local care"),
    "in_province": _("in the insured province"),
    "filed": _("an effective filing covers it"),
    "emergency": _("emergency rescue"),
    "filing_pending": _("a filing awaits review"),
    "filed_elsewhere": _("filed for another destination"),
    "no_filing": _("no filing covers it"),
    "not_insured_here": _("not insured here"),
    "not_actively_insured": _("not insured on that day"),
    "not_qualified": _("no chronic qualification"),
    "not_settled_directly": _("chronic care not settled directly"),
    "institution_not_connected": _("institution does not settle it directly"),
}
