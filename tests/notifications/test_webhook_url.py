"""A channel's webhook: which URLs are accepted, the command that sets one, the admin that edits it."""

import io
import socket

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from accounts.models import Channel
from accounts.services import channel_webhook_set
from accounts.webhooks import Refusal, address_refusal, mask_secret, validate_webhook_url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_rules(settings):
    settings.NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS = False


@pytest.mark.parametrize(
    "url",
    ["ftp://93.184.216.34/hook", "file:///etc/passwd", "javascript:alert(1)", "gopher://93.184.216.34/", "//x/y"],
)
def test_only_http_and_https_are_accepted(url):
    with pytest.raises(ValidationError):
        validate_webhook_url(url)


def test_credentials_in_the_url_are_refused():
    with pytest.raises(ValidationError) as refused:
        validate_webhook_url("https://user:pass@93.184.216.34/hook")
    assert refused.value.code == "credentials"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "https://10.1.2.3/hook",
        "https://172.16.0.9/hook",
        "https://192.168.1.10/hook",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",  # loopback dressed as IPv6
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",  # carrier-grade NAT
        "http://224.0.0.1/hook",  # multicast
        "http://name.invalid/hook",  # resolves to nothing
    ],
)
def test_in_production_no_loopback_private_or_link_local_address(production_rules, url):
    with pytest.raises(ValidationError):
        validate_webhook_url(url)


@pytest.mark.parametrize("url", ["https://93.184.216.34/hook", "http://[2606:4700:4700::1111]:8443/notify"])
def test_a_public_address_is_accepted_in_production(production_rules, url):
    validate_webhook_url(url)  # an IP literal: resolving it asks no name server


# IPv6 addresses that carry an IPv4 address, each judged by the IPv4 address it carries:
# (address, form, the IPv4 address it carries, why it is refused).
EMBEDDED_REFUSED = [
    ("::ffff:127.0.0.1", "ipv4_mapped", "127.0.0.1", "loopback"),
    ("::ffff:a9fe:a9fe", "ipv4_mapped", "169.254.169.254", "link_local"),
    ("::ffff:100.64.0.1", "ipv4_mapped", "100.64.0.1", "shared"),
    ("::ffff:0:10.0.0.1", "ipv4_translated", "10.0.0.1", "private"),
    ("::127.0.0.1", "ipv4_compatible", "127.0.0.1", "loopback"),
    ("::10.0.0.1", "ipv4_compatible", "10.0.0.1", "private"),
    ("64:ff9b::7f00:1", "nat64", "127.0.0.1", "loopback"),
    ("64:ff9b::a9fe:a9fe", "nat64", "169.254.169.254", "link_local"),
    ("64:ff9b::c0a8:101", "nat64", "192.168.1.1", "private"),
    ("64:ff9b::e000:1", "nat64", "224.0.0.1", "multicast"),
    ("64:ff9b::", "nat64", "0.0.0.0", "unspecified"),
    ("64:ff9b:1::7f00:1", "nat64_local", "127.0.0.1", "loopback"),
    ("64:ff9b:1::808:808", "nat64_local", "8.8.8.8", "local_nat64"),  # a public IPv4, but a local-use prefix
    ("2002:0a00:0001::", "6to4", "10.0.0.1", "private"),
    ("2002:7f00:1::1", "6to4", "127.0.0.1", "loopback"),
    ("2002:a9fe:a9fe::", "6to4", "169.254.169.254", "link_local"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "teredo_client", "127.0.0.1", "loopback"),  # client bits inverted
    ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "teredo_client", "10.0.0.1", "private"),
    ("2001:0:a00:1:8000:63bf:f7f7:f7f7", "teredo_server", "10.0.0.1", "private"),  # client 8.8.8.8, server not
    ("2606:4700::5efe:a00:1", "isatap", "10.0.0.1", "private"),
    ("2606:4700::200:5efe:7f00:1", "isatap", "127.0.0.1", "loopback"),  # u/l bit set
    ("2002:808:808::5efe:a00:1", "isatap", "10.0.0.1", "private"),  # a public 6to4 prefix does not save it
]

# Carrying a public IPv4 address (or none), on a public prefix: accepted.
EMBEDDED_ACCEPTED = [
    ("2002:0808:0808::", "6to4 of 8.8.8.8"),
    ("2002:808:808::1", "6to4 of 8.8.8.8"),
    ("64:ff9b::808:808", "NAT64 of 8.8.8.8"),
    ("::ffff:8.8.8.8", "IPv4-mapped 8.8.8.8"),
    ("::8.8.8.8", "IPv4-compatible 8.8.8.8"),
    ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", "Teredo: client 8.8.8.8, server 65.54.227.120"),
    ("2606:4700::5efe:808:808", "ISATAP of 8.8.8.8 on a global prefix"),
    ("2606:4700:4700::1111", "an ordinary global address"),
]


@pytest.mark.parametrize(("address", "form", "ipv4", "reason"), EMBEDDED_REFUSED)
def test_an_ipv6_address_carrying_an_ipv4_address_is_judged_by_it(production_rules, address, form, ipv4, reason):
    assert address_refusal(address) == Refusal(address, reason, form, ipv4)
    with pytest.raises(ValidationError) as refused:
        validate_webhook_url(f"http://[{address}]:8443/hook")
    assert refused.value.code == "private_address"
    assert ipv4 in refused.value.messages[0]  # the operator is told which IPv4 address it is


@pytest.mark.parametrize(("address", "what"), EMBEDDED_ACCEPTED)
def test_an_ipv6_address_carrying_a_public_ipv4_address_is_accepted(production_rules, address, what):
    assert address_refusal(address) is None, what
    validate_webhook_url(f"https://[{address}]/hook")


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("fe80::5efe:808:808", "link_local"),  # ISATAP: the IPv6 prefix is judged too
        ("::5efe:808:808", "reserved"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("2001:db8::1", "private"),  # documentation
        ("3fff::1", "reserved"),  # documentation, RFC 9637
        ("fc00::1", "private"),  # unique local
        ("fec0::1", "reserved"),  # site-local, deprecated: outside 2000::/3
        ("ff02::1", "multicast"),
        ("100.64.0.1", "shared"),
        ("0.0.0.0", "unspecified"),
    ],
)
def test_plain_addresses_are_refused_for_what_they_are(address, reason):
    assert address_refusal(address) == Refusal(address, reason)


@pytest.mark.parametrize(
    "host",
    [
        "2130706433",  # 127.0.0.1 as one decimal number
        "0x7f.1",  # hex and a short form
        "017700000001",  # octal
        "0x7f000001",
        "127.1",
        "0177.0.0.1",  # octal first part
        "127.000.000.001",
        "127.0.0.1.",  # a trailing dot
        "1.2.3.4.5",  # ends in a number, is no IPv4 address
    ],
)
@pytest.mark.parametrize("private_allowed", [False, True])
def test_an_ipv4_address_spelt_any_other_way_than_a_b_c_d_is_refused(settings, host, private_allowed):
    settings.NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS = private_allowed  # a rule of spelling: it stands in tests too
    with pytest.raises(ValidationError) as refused:
        validate_webhook_url(f"http://{host}/hook")
    assert refused.value.code in ("numeric_host", "invalid")


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "017700000001", "0x7f000001", "127.1", "0177.0.0.1"])
def test_those_spellings_are_loopback_to_the_resolver(host):
    """Why the spelling rule exists: the C resolver reads each of them as 127.0.0.1."""
    assert socket.inet_aton(host) == socket.inet_aton("127.0.0.1")


@pytest.mark.parametrize("url", ["http://1password.example/hook", "http://0x.example/hook", "http://[::1]:8080/hook"])
def test_a_number_inside_a_name_is_no_ipv4_spelling(settings, url):
    settings.NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS = True
    validate_webhook_url(url)


@pytest.mark.parametrize(
    "url", ["http://[fe80::1%25eth0]/hook", "http://exa mple.com/hook", "http://example.com:0/", "http:///hook"]
)
def test_a_zone_index_an_escape_or_no_port_is_not_a_webhook_host(settings, url):
    settings.NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS = True
    with pytest.raises(ValidationError) as refused:
        validate_webhook_url(url)
    assert refused.value.code == "invalid"


def test_the_refusal_is_told_in_chinese(production_rules):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        validate_webhook_url("http://[64:ff9b::7f00:1]/hook")
    assert refused.value.messages == [
        "推送地址必须是公网地址；64:ff9b::7f00:1 解析为 "
        "64:ff9b::7f00:1（NAT64 64:ff9b::/96 形式的 127.0.0.1：环回地址）。"
    ]
    with translation.override("zh-hans"), pytest.raises(ValidationError) as spelt:
        validate_webhook_url("http://0x7f.1/hook")
    assert "0x7f.1" in spelt.value.messages[0] and "a.b.c.d" in spelt.value.messages[0]
    assert "IPv4" in spelt.value.messages[0] and "不是" in spelt.value.messages[0]


def test_the_setting_allows_private_addresses_for_tests_and_internal_gateways(settings):
    settings.NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS = True
    validate_webhook_url("http://127.0.0.1:8080/hook")
    with pytest.raises(ValidationError):
        validate_webhook_url("ftp://127.0.0.1/hook")  # the scheme rule stands


def test_the_command_sets_the_url_and_prints_a_new_secret_once():
    out = io.StringIO()
    call_command("channel_webhook", "mzt_app", "https://93.184.216.34/hook", stdout=out, stderr=io.StringIO())
    secret = out.getvalue().strip()
    channel = Channel.objects.get(code="mzt_app")
    assert channel.webhook_url == "https://93.184.216.34/hook" and channel.webhook_secret == secret
    assert len(secret) >= 40
    again = io.StringIO()
    call_command("channel_webhook", "mzt_app", "https://93.184.216.34/v2", "--keep-secret", stdout=again)
    assert again.getvalue() == ""  # the secret is never printed again
    assert Channel.objects.get(code="mzt_app").webhook_secret == secret
    rotated = io.StringIO()
    call_command("channel_webhook", "mzt_app", "https://93.184.216.34/v2", stdout=rotated)
    assert rotated.getvalue().strip() not in ("", secret)


def test_the_command_refuses_a_bad_url_or_channel_and_changes_nothing(production_rules):
    with pytest.raises(CommandError, match="127.0.0.1"):
        call_command("channel_webhook", "mzt_app", "http://127.0.0.1/hook")
    with pytest.raises(CommandError):
        call_command("channel_webhook", "mzt_app", "ftp://93.184.216.34/hook")
    with pytest.raises(CommandError, match="No channel"):
        call_command("channel_webhook", "nope", "https://93.184.216.34/hook")
    assert Channel.objects.get(code="mzt_app").webhook_url == ""


def test_the_command_removes_a_webhook():
    channel_webhook_set(code="kiosk", url="https://93.184.216.34/hook")
    call_command("channel_webhook", "kiosk", "--remove", stderr=io.StringIO())
    channel = Channel.objects.get(code="kiosk")
    assert (channel.webhook_url, channel.webhook_secret) == ("", "")


def test_the_admin_edits_the_url_shows_the_secret_once_then_masked(client, production_rules):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = "/admin/accounts/channel/kiosk/change/"
    page = client.get(url)
    assert page.status_code == 200 and "webhook_url" in page.content.decode()
    form = {"name": "自助终端", "group": "self_service", "description": "", "is_active": "on"}
    refused = client.post(url, {**form, "webhook_url": "http://10.0.0.8/hook"})
    assert refused.status_code == 200 and Channel.objects.get(code="kiosk").webhook_url == ""
    saved = client.post(url, {**form, "webhook_url": "https://93.184.216.34/hook"}, follow=True)
    secret = Channel.objects.get(code="kiosk").webhook_secret
    assert secret and secret in saved.content.decode()  # shown in the message, this once
    shown = client.get(url).content.decode()
    assert secret not in shown and mask_secret(secret) in shown
    client.post(url, {**form, "webhook_url": "https://93.184.216.34/hook"})
    assert Channel.objects.get(code="kiosk").webhook_secret == secret  # kept unless asked
    client.post(url, {**form, "webhook_url": "https://93.184.216.34/hook", "new_webhook_secret": "on"})
    assert Channel.objects.get(code="kiosk").webhook_secret != secret
