"""Set a channel's webhook URL and print a new signing secret, once (or remove the webhook)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Channel
from accounts.services import channel_webhook_set


class Command(BaseCommand):
    help = (
        "Set CHANNEL_CODE's webhook to URL and print a new signing secret on stdout (shown once). "
        "--keep-secret keeps the current secret; --remove removes the webhook (the channel then pulls)."
    )

    def add_arguments(self, parser):
        parser.add_argument("channel_code")
        parser.add_argument("url", nargs="?", default="")
        parser.add_argument("--keep-secret", action="store_true", help="change the URL only")
        parser.add_argument("--remove", action="store_true", help="remove the webhook and its secret")

    def handle(self, *args, channel_code, url, keep_secret, remove, **options):
        if bool(url) == remove:
            raise CommandError("Give a URL, or --remove.")
        try:
            channel, secret = channel_webhook_set(
                code=channel_code, url="" if remove else url, new_secret=not keep_secret
            )
        except Channel.DoesNotExist:
            raise CommandError(f"No channel {channel_code!r}.") from None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        if remove:
            self.stderr.write(f"{channel.code}: webhook removed; the channel reads GET /api/v1/notifications/.")
        elif secret:
            self.stderr.write(f"{channel.code}: webhook {channel.webhook_url}; the new signing secret follows.")
            self.stdout.write(secret)
        else:
            self.stderr.write(f"{channel.code}: webhook {channel.webhook_url}; the signing secret is unchanged.")
