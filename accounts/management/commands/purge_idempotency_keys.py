"""Delete Idempotency-Key records kept longer than IDEMPOTENCY_KEY_TTL (run daily by the scheduler)."""

from django.core.management.base import BaseCommand

from config.api.idempotency import idempotency_records_purge


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than IDEMPOTENCY_KEY_TTL."

    def handle(self, *args, **options):
        deleted = idempotency_records_purge()
        self.stdout.write(f"{deleted} idempotency key(s) deleted.")
