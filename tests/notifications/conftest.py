"""Fixtures of the notification tests: a loopback receiver, and a channel whose webhook points at it."""

import pytest

from accounts.services import channel_webhook_set
from tests.notifications.receiver import Receiver


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def hooked(receiver):
    """xm_wechat's webhook set to the receiver; the signing secret."""
    _channel, secret = channel_webhook_set(code="xm_wechat", url=receiver.url)
    return secret
