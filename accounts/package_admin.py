"""The admin pages of the packages we use (django-axes' lockouts, django-celery-beat's schedules) in Chinese.

Their admins are registered again here with our labels wherever the package's own are plain English
strings (a column named after a method, an f-string, a ``__str__``); the labels the packages do mark for
translation but ship no Simplified Chinese for are translated in the project's catalog, listed in
``config.translations``. Nothing here changes a model's fields, so no migration follows.
"""

from __future__ import annotations

import zoneinfo

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.admin import AccessFailureLogAdmin as AxesAccessFailureLogAdmin
from axes.admin import AccessLogAdmin as AxesAccessLogAdmin
from axes.conf import settings as axes_settings
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from cron_descriptor import (
    ExpressionDescriptor,
    FormatException,
    MissingFieldException,
    Options,
    WrongArgumentException,
)
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "Y年n月j日 H:i:s") if moment else "—"


# --- lockouts (django-axes) ---------------------------------------------------------------------------------

# The packages' ``__str__`` names a row in titles and breadcrumbs; these say the same in Chinese.
AccessAttempt.__str__ = lambda self: (
    gettext("Login attempts of %(username)s since %(time)s")
    % {
        "username": self.username or "—",
        "time": _when(self.attempt_time),
    }
)
AccessLog.__str__ = lambda self: (
    gettext("Login of %(username)s at %(time)s")
    % {
        "username": self.username or "—",
        "time": _when(self.attempt_time),
    }
)
AccessFailureLog.__str__ = lambda self: (
    gettext("Failed login of %(username)s at %(time)s from %(ip)s")
    % {
        "username": self.username or "—",
        "time": _when(self.attempt_time),
        "ip": self.ip_address or "—",
    }
)

for _model, _admin in (
    (AccessAttempt, AxesAccessAttemptAdmin),
    (AccessLog, AxesAccessLogAdmin),
    (AccessFailureLog, AxesAccessFailureLogAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    actions = ["cleanup_expired_attempts"]

    @admin.display(description=_("status"))
    def status(self, obj: AccessAttempt):
        limit = axes_settings.AXES_FAILURE_LIMIT
        if obj.failures_since_start < limit:
            return gettext("%(n)d attempt(s) left") % {"n": limit - obj.failures_since_start}
        return gettext("Locked out")

    @admin.display(description=_("expires at"))
    def expiration(self, obj: AccessAttempt):
        return obj.expiration.expires_at if hasattr(obj, "expiration") else gettext("Not set")

    @admin.action(description=_("Clean up expired attempts"))
    def cleanup_expired_attempts(self, request, queryset):
        count = self.handler.clean_expired_user_attempts(request=request)
        self.message_user(request, gettext("%(n)d expired attempt(s) cleaned up.") % {"n": count}, messages.SUCCESS)


@admin.register(AccessLog)
class AccessLogAdmin(AxesAccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(AxesAccessFailureLogAdmin):
    pass


# --- periodic tasks (django-celery-beat) --------------------------------------------------------------------

for _model in (PeriodicTask, ClockedSchedule, CrontabSchedule, SolarSchedule, IntervalSchedule):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


def crontab_in_words(crontab: CrontabSchedule) -> str:
    """A crontab as a sentence in Chinese (cron-descriptor's own zh_CN), in 24-hour time, with its time zone."""
    expression = " ".join(
        str(part) for part in (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year)
    )
    expression = f"{expression} {crontab.day_of_week}"
    options = Options()
    options.locale_code = "zh_CN"
    options.use_24hour_time_format = True
    try:
        words = ExpressionDescriptor(expression, options).get_description()
    except (MissingFieldException, FormatException, WrongArgumentException):
        words = expression
    return f"{words}（{TIME_ZONES.get(str(crontab.timezone), crontab.timezone)}）"


CrontabSchedule.__str__ = crontab_in_words

# The bureau's schedules run in Beijing time; UTC is kept for a schedule set by a machine.
TIME_ZONES = {settings.TIME_ZONE: _("Beijing time"), "UTC": _("Coordinated Universal Time")}


def time_zone_choices():
    known = zoneinfo.available_timezones()
    return [(zone, f"{label}（{zone}）") for zone, label in TIME_ZONES.items() if zone in known]


class CrontabForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=_("time zone"), choices=time_zone_choices, initial=settings.TIME_ZONE)

    class Meta:
        model = CrontabSchedule
        fields = ["minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone"]
        help_texts = {
            "minute": _('Minutes of the hour to run at, e.g. "0,30"; "*" for every minute.'),
            "hour": _('Hours of the day to run at, e.g. "8,20"; "*" for every hour.'),
            "day_of_month": _('Days of the month to run on, e.g. "1,15"; "*" for every day.'),
            "month_of_year": _('Months of the year to run in, 1–12, e.g. "1,7"; "*" for every month.'),
            "day_of_week": _('Days of the week to run on, 0 or 7 for Sunday, 1 for Monday, e.g. "1-5"; "*" for all.'),
        }


class PeriodicTaskInline(beat_admin.PeriodicTaskInline):
    fields = readonly_fields = ("name", "description")
    verbose_name = verbose_name_plural = _("periodic tasks on this schedule")


class ScheduleAdmin(admin.ModelAdmin):
    inlines = [PeriodicTaskInline]


@admin.register(ClockedSchedule)
class ClockedScheduleAdmin(ScheduleAdmin, beat_admin.ClockedScheduleAdmin):
    pass


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(ScheduleAdmin):
    form = CrontabForm
    list_display = ["in_words", "minute", "hour", "day_of_month", "month_of_year", "day_of_week"]
    fields = ["in_words", "minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone"]
    readonly_fields = ["in_words"]

    @admin.display(description=_("runs"))
    def in_words(self, obj):
        return crontab_in_words(obj) if obj and obj.pk else "—"


@admin.register(SolarSchedule)
class SolarScheduleAdmin(ScheduleAdmin):
    pass


class IntervalForm(forms.ModelForm):
    class Meta:
        model = IntervalSchedule
        fields = ["every", "period"]
        help_texts = {"every": _("How many periods to wait between two runs.")}


@admin.register(IntervalSchedule)
class IntervalScheduleAdmin(ScheduleAdmin):
    form = IntervalForm


class PeriodicTaskForm(beat_admin.PeriodicTaskForm):
    class Meta(beat_admin.PeriodicTaskForm.Meta):
        help_texts = {
            "name": _("The job's code name, which the command running jobs by hand takes."),
            "enabled": _("Untick to stop the job without deleting it."),
            "one_off": _("Run the job once, then disable it."),
            "args": _("Positional arguments, as a JSON list, e.g. [1, 2]."),
            "kwargs": _('Keyword arguments, as a JSON object, e.g. {"days": 30}.'),
            "expire_seconds": _("A run not started within this many seconds is dropped."),
            "expires": _("After this time the job is no longer run."),
            "start_time": _("The job runs from this time on."),
            "last_run_at": _("When the job last ran."),
            "interval": _("Run every so often; set one kind of schedule only."),
            "crontab": _("Run at set times (minute, hour, day); set one kind of schedule only."),
            "solar": _("Run at a solar event; set one kind of schedule only."),
            "clocked": _("Run once at a set time; set one kind of schedule only."),
            "description": _("What the job does."),
        }


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin):
    """The jobs' schedule: each job's name is the code ``run_job`` takes, its description says what it does.

    Routing a job to another queue or exchange is not an administrator's concern (config/celery.py), so
    the broker's options are left out of the form; a job's expiry is kept.
    """

    form = PeriodicTaskForm
    list_display = ["name", "description", "enabled", "schedule", "last_run_at", "one_off"]
    list_filter = ["enabled", "one_off"]
    fieldsets = (
        (None, {"fields": ("name", "regtask", "task", "enabled", "description")}),
        (
            _("Schedule"),
            {"fields": ("interval", "crontab", "solar", "clocked", "start_time", "last_run_at", "one_off")},
        ),
        (_("Arguments"), {"fields": ("args", "kwargs")}),
        (_("Expiry"), {"fields": ("expires", "expire_seconds")}),
    )
    readonly_fields = ("last_run_at",)
    change_form_template = None

    @admin.display(description=_("schedule"))
    def schedule(self, obj):
        return obj.scheduler or "—"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return admin.ModelAdmin.changeform_view(self, request, object_id, form_url, extra_context)
