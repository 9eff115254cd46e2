"""Load demo data (sample institutions, demo persons, one staff account per role, a key per channel).

Safe to run again: nothing is duplicated, and passwords and keys are printed only when created.
Refused under the production settings (``DEMO_DATA_ALLOWED = False``): demo accounts with printed
passwords and working channel keys have no place in a real bureau's database.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from registry.demo import load_demo_data


class Command(BaseCommand):
    help = "Load demo data; prints demo staff passwords and channel keys once, when they are created."

    def handle(self, *args, **options):
        if not getattr(settings, "DEMO_DATA_ALLOWED", True):
            raise CommandError(
                _(
                    "Demo data is not loaded under the production settings: it would create staff accounts "
                    "with printed passwords and working channel keys."
                )
            )
        for section in load_demo_data():
            self.stdout.write(self.style.WARNING(section.title) if section.secret else section.title)
            for line in section.lines:
                self.stdout.write(f"  {line}")
