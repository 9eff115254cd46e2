"""Load demo data (sample institutions, demo persons, one staff account per role, a key per channel).

Safe to run again: nothing is duplicated, and passwords and keys are printed only when created.
"""

from django.core.management.base import BaseCommand

from registry.demo import load_demo_data


class Command(BaseCommand):
    help = "Load demo data; prints demo staff passwords and channel keys once, when they are created."

    def handle(self, *args, **options):
        for section in load_demo_data():
            self.stdout.write(self.style.WARNING(section.title) if section.secret else section.title)
            for line in section.lines:
                self.stdout.write(f"  {line}")
