"""Load insured persons from the enrolment system's CSV export (create or update by id_number)."""

import time

from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from registry.services import persons_import


class Command(BaseCommand):
    help = (
        "Import persons from a UTF-8 CSV (with or without BOM) whose header names id_number, name, "
        "insurance_type (employee/resident or 310/390) and optionally social_security_card, phone, "
        "insured_region, insured_status. Bad rows are reported and skipped; good rows load."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--max-errors-shown", type=int, default=50)

    def handle(self, *args, file, max_errors_shown, **options):
        started = time.monotonic()
        try:
            with open(file, encoding="utf-8-sig", newline="") as fh:
                report = persons_import(lines=fh)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file} is not UTF-8 text: {exc.reason} at byte {exc.start}.") from exc
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        for line, field, message in report.refused[:max_errors_shown]:
            self.stderr.write(f"line {line}: {field}: {message}")
        if len(report.refused) > max_errors_shown:
            self.stderr.write(f"… and {len(report.refused) - max_errors_shown} more refused rows")
        self.stdout.write(
            f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
            f"refused {len(report.refused)} ({time.monotonic() - started:.1f} s)"
        )
