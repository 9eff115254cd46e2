"""Load demo data (sample institutions, demo persons, one staff account per role, a key per channel).

Safe to run again: nothing is duplicated, and passwords and keys are printed only when created.
"""

from django.core.management.base import BaseCommand

from filings.demo import load_demo_data


class Command(BaseCommand):
    help = "Load demo data; prints demo staff passwords and channel keys once, when they are created."

    def handle(self, *args, **options):
        result = load_demo_data()
        self.stdout.write(f"Sample institutions: {result['institutions']}")
        self.stdout.write("Demo insured persons (ID number, name):")
        for person in result["persons"]:
            self.stdout.write(f"  {person.id_number}  {person.name}")
        if result["staff"]:
            self.stdout.write(self.style.WARNING("Demo staff accounts (shown only now):"))
            for role, username, password in result["staff"]:
                self.stdout.write(f"  {role:<9} {username:<14} {password}")
        if result["keys"]:
            self.stdout.write(
                self.style.WARNING("Channel API keys (shown only now; send as 'Authorization: Api-Key <key>'):")
            )
            for code, key in result["keys"]:
                self.stdout.write(f"  {code:<17} {key}")
        if not result["staff"] and not result["keys"]:
            self.stdout.write("Demo accounts and keys exist already; create new ones with create_staff / issue_key.")
