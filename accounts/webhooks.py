"""A channel's webhook: where its persons' notifications are POSTed, and the secret that signs them.

The address is checked when it is set and again before every delivery (a name may resolve
elsewhere later): http or https only, no credentials in it, a host that is a name or a plainly
written IP address, and, unless the setting ``NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS`` allows it,
only public addresses — never loopback, private, link-local (cloud metadata), multicast or
reserved ones, so that a webhook cannot be used to reach the bureau's own network.

An IPv6 address that carries an IPv4 address (IPv4-mapped or -compatible, NAT64, 6to4, Teredo,
ISATAP) is judged by the IPv4 address it carries, since that is where a translator or tunnel
delivers it: ``64:ff9b::7f00:1`` is 127.0.0.1. The delivery connects to the very addresses that
were checked (``webhook_target``), never resolving the name a second time.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Why an address is refused (the first that applies), in the words shown to the operator.
REASONS = {
    "unspecified": gettext_lazy("unspecified"),
    "loopback": gettext_lazy("loopback"),
    "link_local": gettext_lazy("link-local"),
    "multicast": gettext_lazy("multicast"),
    "shared": gettext_lazy("shared address space (carrier-grade NAT)"),
    "private": gettext_lazy("private or special-purpose"),
    "reserved": gettext_lazy("reserved"),
    "not_global": gettext_lazy("not globally reachable"),
    "local_nat64": gettext_lazy("local-use NAT64 prefix, not globally reachable"),
}

# The IPv6 forms that carry an IPv4 address.
FORMS = {
    "ipv4_mapped": gettext_lazy("IPv4-mapped ::ffff:0:0/96"),
    "ipv4_translated": gettext_lazy("IPv4-translated ::ffff:0:0:0/96"),
    "ipv4_compatible": gettext_lazy("IPv4-compatible ::/96"),
    "nat64": gettext_lazy("NAT64 64:ff9b::/96"),
    "nat64_local": gettext_lazy("local-use NAT64 64:ff9b:1::/48"),
    "6to4": gettext_lazy("6to4 2002::/16"),
    "teredo_client": gettext_lazy("Teredo client 2001::/32"),
    "teredo_server": gettext_lazy("Teredo server 2001::/32"),
    "isatap": gettext_lazy("ISATAP ::5efe:a.b.c.d"),
}
# Forms whose prefix exists only to carry the IPv4 address: the address is judged by that IPv4
# alone (6to4 and NAT64 are globally routed; the mapped forms never leave the host).
PURE_FORMS = {"ipv4_mapped", "ipv4_translated", "ipv4_compatible", "nat64", "6to4", "teredo_client", "teredo_server"}

NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix
NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215 local use: IANA, not globally reachable
GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # RFC 6598 (carrier-grade NAT)
DOCUMENTATION_V6 = ipaddress.IPv6Network("3fff::/20")  # RFC 9637 (2024), newer than Python's own tables

# A host whose last label is a number is an IPv4 address to a browser (the WHATWG URL standard)
# and to inet_aton (2130706433, 0x7f.1, 017700000001, 127.1 are all 127.0.0.1); only a.b.c.d in
# plain decimal means the same to every program, so it is the only spelling accepted.
NUMERIC_LABEL = re.compile(r"(?:[0-9]+|0x[0-9a-f]*)", re.IGNORECASE)
HOST_CHARACTERS = re.compile(r"[A-Za-z0-9._:-]+")  # after IDNA encoding; "%" (zone index, escapes) is not


@dataclass(frozen=True)
class Refusal:
    """Why one address is refused: ``reason`` (a key of REASONS), judged by ``ipv4`` in ``form`` if it carries one."""

    address: str
    reason: str
    form: str = ""
    ipv4: str = ""

    def __str__(self) -> str:
        if self.form:
            return _("%(address)s (%(ipv4)s as %(form)s: %(reason)s)") % {
                "address": self.address,
                "ipv4": self.ipv4,
                "form": FORMS[self.form],
                "reason": REASONS[self.reason],
            }
        return _("%(address)s (%(reason)s)") % {"address": self.address, "reason": REASONS[self.reason]}


@dataclass(frozen=True)
class WebhookTarget:
    """Where a webhook URL leads: the name it gives and the addresses it resolved to, every one checked.

    ``host`` is the URL's host as the HTTP client sends it (lower case, IDNA-encoded, no brackets):
    the Host header, the TLS server name and the certificate check are for it. ``addresses`` are in
    the resolver's order; the delivery connects to these and to nothing else.
    """

    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]


def new_webhook_secret() -> str:
    """A fresh signing secret (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def mask_secret(value: str) -> str:
    """Enough of a secret to tell two apart, never enough to use: ``AbCd…(43)``."""
    return f"{value[:4]}…({len(value)})" if value else ""


def _reason(ip: IPAddress) -> str | None:
    """Why ``ip`` itself is not a public unicast address (None when it is)."""
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link_local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in SHARED:
        return "shared"
    if ip.is_private:
        return "private"
    if isinstance(ip, ipaddress.IPv6Address) and ip in DOCUMENTATION_V6:
        return "reserved"
    if ip.is_reserved or (isinstance(ip, ipaddress.IPv6Address) and ip not in GLOBAL_UNICAST):
        return "reserved"
    if not ip.is_global:
        return "not_global"
    return None


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[tuple[str, ipaddress.IPv4Address]]:
    """Every (form, IPv4 address) that ``ip`` carries; empty for an ordinary IPv6 address."""
    value = int(ip)
    last32 = ipaddress.IPv4Address(value & 0xFFFFFFFF)
    found: list[tuple[str, ipaddress.IPv4Address]] = []
    if ip.ipv4_mapped is not None:
        found.append(("ipv4_mapped", ip.ipv4_mapped))
    elif value >> 32 == 0xFFFF0000:
        found.append(("ipv4_translated", last32))
    elif value >> 32 == 0 and value > 1:  # :: and ::1 are themselves, not 0.0.0.0 and 0.0.0.1
        found.append(("ipv4_compatible", last32))
    if ip in NAT64:
        found.append(("nat64", last32))
    if ip in NAT64_LOCAL:
        found.append(("nat64_local", last32))
    if ip.sixtofour is not None:
        found.append(("6to4", ip.sixtofour))
    if ip.teredo is not None:
        server, client = ip.teredo
        found += [("teredo_client", client), ("teredo_server", server)]
    # ISATAP interface identifier: 0000:5efe or 0200:5efe (the u/l and group bits may be set).
    if (value >> 32) & 0xFCFFFFFF == 0x00005EFE:
        found.append(("isatap", last32))
    return found


def address_refusal(address: str) -> Refusal | None:
    """Why a webhook may not be delivered to ``address`` (None when it may).

    An address that carries an IPv4 address is refused when that IPv4 address would be; one in a
    prefix that exists only to carry it (NAT64, 6to4, Teredo, the mapped forms) is judged by the
    IPv4 address alone, so 6to4 ``2002:808:808::`` is 8.8.8.8 and accepted.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # a zone index is not part of the address
    if isinstance(ip, ipaddress.IPv4Address):
        reason = _reason(ip)
        return Refusal(address, reason) if reason else None
    embedded = embedded_ipv4(ip)
    for form, ipv4 in embedded:
        reason = _reason(ipv4)
        if reason:
            return Refusal(address, reason, form, str(ipv4))
    forms = {form for form, _ipv4 in embedded}
    if "nat64_local" in forms:
        form, ipv4 = next(pair for pair in embedded if pair[0] == "nat64_local")
        return Refusal(address, "local_nat64", form, str(ipv4))
    if forms & PURE_FORMS:
        return None
    reason = _reason(ip)
    return Refusal(address, reason) if reason else None


def _invalid() -> ValidationError:
    return ValidationError(_("Enter a valid URL."), code="invalid")


def _is_ambiguous_number(host: str) -> bool:
    """Whether ``host`` ends in a number without being an IPv4 address written a.b.c.d in decimal."""
    last = host.removesuffix(".").rsplit(".", 1)[-1]
    if not NUMERIC_LABEL.fullmatch(last):
        return False
    try:
        ipaddress.IPv4Address(host)  # refuses leading zeros, short forms, hex and a trailing dot
    except ValueError:
        return True
    return False


def _parse(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a webhook URL as the HTTP client reads it; a ValidationError if it is not one."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number in range)
        parsed = httpx.URL(url)
        scheme = parsed.scheme
        host = parsed.raw_host.decode("ascii")
        port = DEFAULT_PORTS.get(scheme, 0) if parsed.port is None else parsed.port
    except (ValueError, httpx.InvalidURL):
        raise _invalid() from None
    if scheme not in SCHEMES:
        raise ValidationError(_("A webhook URL must start with http:// or https://."), code="scheme")
    if not host or not HOST_CHARACTERS.fullmatch(host) or not 0 < port < 65536:
        raise _invalid()
    if parsed.userinfo or parts.username or parts.password:
        raise ValidationError(_("A webhook URL must not carry a user name or password."), code="credentials")
    if ":" not in host and _is_ambiguous_number(host):
        raise ValidationError(
            _(
                "The host %(host)s ends in a number but is not an IPv4 address written as four decimal "
                "numbers (a.b.c.d); other spellings mean different addresses to different programs."
            )
            % {"host": host},
            code="numeric_host",
        )
    return scheme, host, port


def _resolve(host: str, port: int) -> tuple[str, ...]:
    """The host's addresses in the resolver's order (an IP address is its own answer: no name server asked)."""
    try:
        return (str(ipaddress.ip_address(host)),)
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        infos = []
    addresses = tuple(dict.fromkeys(info[4][0] for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)))
    if not addresses:
        raise ValidationError(_("The host %(host)s cannot be resolved.") % {"host": host}, code="unresolvable")
    return addresses


def webhook_target(url: str, *, public_only: bool) -> WebhookTarget:
    """Parse ``url``, resolve its host once and check every address; what the delivery connects to.

    With ``public_only``, a host that resolves to any address that is not public is refused
    (one bad answer among good ones is enough: the client could pick it).
    """
    scheme, host, port = _parse(url)
    addresses = _resolve(host, port)
    if public_only:
        refused = [refusal for refusal in map(address_refusal, addresses) if refusal]
        if refused:
            raise ValidationError(
                _("The webhook must be on a public address; %(host)s is %(addresses)s.")
                % {"host": host, "addresses": ", ".join(map(str, refused))},
                code="private_address",
            )
    return WebhookTarget(scheme=scheme, host=host, port=port, addresses=addresses)


def validate_webhook_url(value: str) -> None:
    """Refuse a webhook URL that is not http(s), carries credentials, or (in production) is not public."""
    if not value:
        return
    if settings.NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS:
        _parse(value)  # the address rule is lifted, not the others; the name need not resolve yet
    else:
        webhook_target(value, public_only=True)
