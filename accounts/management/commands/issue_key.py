"""Issue a new API key for a channel or hospital: prints only the key, once."""

from django.core.management.base import BaseCommand, CommandError

from accounts.services import channel_key_issue
from config.errors import ApplicationError


class Command(BaseCommand):
    help = "Print a new API key for CHANNEL_CODE on stdout (shown once; only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("channel_code")
        parser.add_argument("--name", default="", help="A label to recognise the key by in the admin.")
        parser.add_argument(
            "--institution",
            default=None,
            help="For a hospital: the national code (H…) of the institution the key belongs to.",
        )

    def handle(self, *args, channel_code, name, institution, **options):
        try:
            _api_key, plain = channel_key_issue(channel_code=channel_code, name=name, institution_code=institution)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(plain)
