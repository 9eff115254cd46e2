"""System transition: revoke effective filings of persons no longer actively insured (safe to rerun)."""

from django.core.management.base import BaseCommand

from filings.services import filings_revoke_uninsured


class Command(BaseCommand):
    help = "Revoke effective filings of persons whose insured status is no longer active."

    def handle(self, *args, **options):
        changed = filings_revoke_uninsured()
        for filing in changed:
            self.stdout.write(f"revoked {filing.reference} (person {filing.person.masked_id_number})")
        self.stdout.write(f"{len(changed)} filing(s) revoked.")
