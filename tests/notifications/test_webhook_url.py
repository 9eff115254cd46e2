"""A channel's webhook: which URLs are accepted, the command that sets one, the admin that edits it."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from accounts.models import Channel
from accounts.webhooks import channel_webhook_set, mask_secret, validate_webhook_url
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
