"""Every enumeration of the registry, once, with its label: regions, persons, institutions, visits."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")


class InsuranceType(models.TextChoices):
    EMPLOYEE = "employee", _("Employee basic medical insurance (职工)")
    RESIDENT = "resident", _("Urban and rural resident medical insurance (城乡居民)")


# National insurance type codes used in settlement messages; imports may carry them instead of ours.
INSURANCE_TYPE_NATIONAL_CODE = {InsuranceType.EMPLOYEE: "310", InsuranceType.RESIDENT: "390"}


class InsuredStatus(models.TextChoices):
    ACTIVE = "active", _("Actively insured")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")


class PeriodStatus(models.TextChoices):
    """What an insured period (参保期间) says of its days: insured, or suspended (暂停, e.g. arrears)."""

    ACTIVE = "active", _("Insured")
    SUSPENDED = "suspended", _("Suspended")


class InstitutionLevel(models.IntegerChoices):
    PRIMARY = 1, _("Level 1 (一级)")
    SECONDARY = 2, _("Level 2 (二级)")
    TERTIARY = 3, _("Level 3 (三级)")


class VisitKind(models.TextChoices):
    INPATIENT = "inpatient", _("Inpatient")
    OUTPATIENT = "outpatient", _("Outpatient")
    CHRONIC_OUTPATIENT = "chronic_outpatient", _("Chronic/special outpatient (门诊慢特病)")
    EMERGENCY = "emergency", _("Emergency")


# Which direct-settlement flag of an institution answers for a visit kind (emergency admits as inpatient).
VISIT_SETTLEMENT_FIELD = {
    VisitKind.INPATIENT: "settles_inpatient",
    VisitKind.EMERGENCY: "settles_inpatient",
    VisitKind.OUTPATIENT: "settles_outpatient",
    VisitKind.CHRONIC_OUTPATIENT: "settles_chronic_outpatient",
}


class RevealPurpose(models.TextChoices):
    """Why staff read a personal value in full (PIPL: for a purpose); ``other`` says it in words."""

    COUNTER_CHECK = "counter_check", _("Counter check (窗口核验)")
    PHONE_ENQUIRY = "phone_enquiry", _("Phone enquiry (电话咨询)")
    AUDIT = "audit", _("Audit investigation (稽核调查)")
    PAYMENT_CHECK = "payment_check", _("Payment check (支付核对)")
    OTHER = "other", _("Other (其他)")


# The words an ``other`` purpose needs at least.
REVEAL_OTHER_MIN_LENGTH = 4


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (法定节假日)")
    WORKDAY = "workday", _("Make-up workday (调休上班)")
