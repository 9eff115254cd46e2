"""System transition: revoke filings whose commitment-letter documents are overdue (safe to rerun)."""

from django.core.management.base import BaseCommand

from filings.services import filings_revoke_overdue_commitments


class Command(BaseCommand):
    help = "Revoke effective filings made on a commitment letter whose documents were due and never came."

    def handle(self, *args, **options):
        changed = filings_revoke_overdue_commitments()
        for filing in changed:
            self.stdout.write(f"revoked {filing.reference} (documents due {filing.commitment_due_date})")
        self.stdout.write(f"{len(changed)} filing(s) revoked.")
