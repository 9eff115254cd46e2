import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from stats import services


class Command(BaseCommand):
    help = (
        "Roll up the statistics' daily aggregates: the last STATS_REFRESH_DAYS days up to yesterday (the nightly "
        "job), or --since a day (a history) up to --until (yesterday by default)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", type=datetime.date.fromisoformat, help="first day, YYYY-MM-DD")
        parser.add_argument("--until", type=datetime.date.fromisoformat, help="last day, YYYY-MM-DD")

    def handle(self, *args, since=None, until=None, **options):
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        if since is None and until is None:
            written = services.refresh_recent()
        else:
            until = until or yesterday
            if since is None or until < since:
                raise CommandError("--since is needed, and not after --until")
            if until > yesterday:
                raise CommandError("days up to yesterday only: today is counted from the events")
            written = services.refresh(since, until)
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in written.items()))
