"""System transition: fixed-period filings past their end date become expired (safe to rerun)."""

from django.core.management.base import BaseCommand

from filings.services import filings_expire


class Command(BaseCommand):
    help = "Expire effective fixed-period filings whose end date has passed; prints each one."

    def handle(self, *args, **options):
        changed = filings_expire()
        for filing in changed:
            self.stdout.write(f"expired {filing.reference} (ended {filing.end_date})")
        self.stdout.write(f"{len(changed)} filing(s) expired.")
