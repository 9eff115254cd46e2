"""Record what persons' pools paid outside this system (direct settlement elsewhere), from CSV."""

from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from reimbursements.services import POOL_USAGE_COLUMNS, pool_usage_import


class Command(BaseCommand):
    help = (
        "Import amounts settled elsewhere from a UTF-8 CSV with the header "
        + ",".join(POOL_USAGE_COLUMNS)
        + " (visit_kind and deductible_paid optional). Every row is recorded or, when any row is bad, none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            with open(file, encoding="utf-8-sig", newline="") as fh:
                count = pool_usage_import(lines=fh)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file} is not UTF-8 text: {exc.reason} at byte {exc.start}.") from exc
        except ApplicationError as exc:
            for where, messages in exc.errors.items():
                for message in messages:
                    self.stderr.write(f"{where}: {message}")
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"recorded {count}")
