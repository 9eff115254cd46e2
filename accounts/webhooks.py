"""A channel's webhook: where its persons' notifications are POSTed, and the secret that signs them.

The address is checked when it is set and again before every delivery (a name may resolve
elsewhere later): http or https only, no credentials in it, and, unless the setting
``NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS`` allows it, only public addresses — never loopback,
private, link-local (cloud metadata), multicast or reserved ones, so that a webhook cannot be
used to reach the bureau's own network.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

SCHEMES = ("http", "https")


def new_webhook_secret() -> str:
    """A fresh signing secret (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def mask_secret(value: str) -> str:
    """Enough of a secret to tell two apart, never enough to use: ``AbCd…(43)``."""
    return f"{value[:4]}…({len(value)})" if value else ""


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone index is not part of the address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_public(host: str, port: int) -> list[str]:
    """The host's addresses; a ValidationError when it resolves to none, or to any that is not public."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise ValidationError(
            _("The host %(host)s cannot be resolved.") % {"host": host}, code="unresolvable"
        ) from None
    addresses = sorted({info[4][0] for info in infos})
    refused = [a for a in addresses if not _is_public(a)]
    if not addresses or refused:
        raise ValidationError(
            _("The webhook must be on a public address; %(host)s is %(addresses)s.")
            % {"host": host, "addresses": ", ".join(refused or addresses)},
            code="private_address",
        )
    return addresses


def validate_webhook_url(value: str) -> None:
    """Refuse a webhook URL that is not http(s), carries credentials, or (in production) is not public."""
    if not value:
        return
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValidationError(_("Enter a valid URL."), code="invalid") from None
    if parts.scheme.lower() not in SCHEMES:
        raise ValidationError(_("A webhook URL must start with http:// or https://."), code="scheme")
    if not parts.hostname:
        raise ValidationError(_("Enter a valid URL."), code="invalid")
    if parts.username or parts.password:
        raise ValidationError(_("A webhook URL must not carry a user name or password."), code="credentials")
    if not settings.NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS:
        resolve_public(parts.hostname, port or (443 if parts.scheme.lower() == "https" else 80))


def channel_webhook_set(*, code: str, url: str, new_secret: bool = True) -> tuple[object, str | None]:
    """Set (or, with an empty ``url``, remove) a channel's webhook; returns the channel and a new secret.

    The secret is returned once, for the operator to hand to the channel; it is stored because
    signing needs it, and shown masked everywhere else.
    """
    from accounts.models import Channel

    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(code=code)
        secret = None
        channel.webhook_url = url.strip()
        if not channel.webhook_url:
            channel.webhook_secret = ""
        elif new_secret or not channel.webhook_secret:
            secret = channel.webhook_secret = new_webhook_secret()
        channel.full_clean(exclude=["code", "name", "group", "description", "is_active"])
        channel.save(update_fields=["webhook_url", "webhook_secret"])
    return channel, secret
