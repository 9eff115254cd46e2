"""Say whether the holiday calendars due by now are entered; exit 1 when one is missing (for monitoring)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from config.actors import Actor
from registry.calendar import calendar_recompute
from registry.models import HolidayYear
from registry.selectors import CALENDAR_DUE_MONTH, calendar_years_missing


class Command(BaseCommand):
    help = (
        "Check that this year's holiday calendar, and from 1 November next year's, is entered and marked "
        "published; exit 1 naming each missing year (their due dates count the statutory holidays and are "
        "provisional). --recount counts the open review due dates of the missing years again by the statutory "
        "rule (once after upgrading, for records counted before the rule existed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--recount", action="store_true", help="count the missing years' due dates again")

    def handle(self, *args, recount, **options):
        today = timezone.localdate()
        missing = calendar_years_missing(today=today)
        published = dict(
            HolidayYear.objects.filter(year__in=[today.year, today.year + 1]).values_list("year", "notice")
        )
        for year in sorted(published):
            self.stdout.write(f"{year}: published {published[year]}".rstrip())
        if recount and missing:
            moved = calendar_recompute(years=missing, actor=Actor.system())
            self.stdout.write(f"{moved} review due dates counted again")
        if missing:
            years = ", ".join(str(year) for year in missing)
            raise CommandError(
                f"No published holiday calendar for {years}: its review due dates count only the statutory holidays "
                f"(provisional). Enter it in the admin (节假日与调休) or with load_holidays --publish YEAR."
            )
        if today.month < CALENDAR_DUE_MONTH:
            self.stdout.write(f"{today.year + 1}: expected from 1 November")
