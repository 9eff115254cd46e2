"""Create a staff account with a role: create_staff USERNAME --role counter|reviewer|auditor|admin."""

import getpass
import sys

from django.core.management.base import BaseCommand, CommandError

from accounts.choices import Role
from accounts.services import staff_create
from config.errors import ApplicationError


class Command(BaseCommand):
    help = "Create a staff account with one of the roles counter, reviewer, auditor, admin."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help=f"One of: {', '.join(Role.values)}.")
        parser.add_argument("--password", help="Prompted for on a terminal when omitted.")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, role, password, email, **options):
        if role not in Role.values:
            raise CommandError(f"Unknown role {role!r}; choose one of: {', '.join(Role.values)}.")
        if password is None:
            if not sys.stdin.isatty():
                raise CommandError("No --password given and no terminal to ask on.")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        if not password:
            raise CommandError("The password may not be empty.")
        try:
            user = staff_create(username=username, role=role, password=password, email=email)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"Created {role} account {user.username}.")
