"""Enter holiday calendar rows from a CSV (date,kind,name, as registry/data/holidays.csv) and mark years published."""

import csv

from django.core.management.base import BaseCommand, CommandError

from config.actors import Actor
from config.errors import ApplicationError
from registry.calendar import holidays_load


class Command(BaseCommand):
    help = (
        "Enter the State Council's holidays and make-up workdays from a UTF-8 CSV with the columns date "
        "(YYYY-MM-DD), kind (holiday or workday) and name; lines starting with # are comments. A row replaces "
        "the row of its date. --publish YEAR marks the year's calendar as entered in full. The review due "
        "dates of open filings and claims are counted again, each move recorded as an event. Every row is "
        "checked first: one bad row and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--publish", type=int, action="append", default=[], metavar="YEAR", help="mark YEAR as published"
        )

    def handle(self, *args, file, publish, **options):
        try:
            with open(file, encoding="utf-8-sig", newline="") as fh:
                reader = csv.DictReader(line for line in fh if not line.startswith("#"))
                rows = [
                    (r.get("date") or "", (r.get("kind") or "").strip(), (r.get("name") or "").strip()) for r in reader
                ]
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file} is not UTF-8 text: {exc.reason} at byte {exc.start}.") from exc
        try:
            written, moved = holidays_load(
                [(day.strip(), kind, name) for day, kind, name in rows], actor=Actor.system(), publish=publish
            )
        except ApplicationError as exc:
            for field, messages in exc.errors.items():
                for message in messages:
                    self.stderr.write(f"{field}: {message}")
            raise CommandError(str(exc.message)) from exc
        published = ", ".join(str(year) for year in sorted(publish)) or "none"
        self.stdout.write(f"{written} rows entered; published: {published}; {moved} review due dates counted again")
