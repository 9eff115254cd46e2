"""The sender connects to the address it checked (DNS rebinding): the host is resolved once, every
answer is judged, and the connection goes there, whatever the name server answers afterwards.

A scripted ``socket.getaddrinfo`` answers for ``hook.example.test``: first one address, then
another. Receivers listen on 127.0.0.2 (standing in for the public address: loopback receivers
are what the test settings allow) and on 127.0.0.1 at the same port (the bureau's internal
service a rebinding answer points to). Under production rules, where no receiver can stand in
for a public address, ``socket.create_connection`` records where the socket would connect.
"""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpcore
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.utils import timezone

from accounts.services import channel_webhook_set
from accounts.webhooks import WebhookTarget
from notifications import services
from notifications.models import Notification
from tests.factories import PersonFactory
from tests.notifications.helpers import self_service_filing

pytestmark = pytest.mark.django_db

HOST = "hook.example.test"
REAL_GETADDRINFO = socket.getaddrinfo


class Resolver:
    """``socket.getaddrinfo`` answering HOST from a script (each call the next answer, the last one
    repeated); every other name, and every IP address, is resolved as usual."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.asked = 0

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002 (socket's names)
        if host != HOST:
            return REAL_GETADDRINFO(host, port, family, type, proto, flags)
        self.asked += 1
        answer = self.answers[min(self.asked, len(self.answers)) - 1]
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, port, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, port))
            for a in answer
        ]


@dataclass
class Listener:
    """An HTTP(S) receiver on one loopback address; records each POST and the TLS server name asked for."""

    address: str
    port: int = 0
    tls: ssl.SSLContext | None = None
    received: list[dict] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)

    def start(self) -> Listener:
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the http.server name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                listener.received.append({"headers": dict(self.headers), "body": body})
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((self.address, self.port), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda *args: None  # a refused TLS handshake is no test failure
        self.port = self.server.server_address[1]
        if self.tls is not None:
            self.tls.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def listener_pair(tls: ssl.SSLContext | None = None) -> tuple[Listener, Listener]:
    """The "public" receiver on 127.0.0.2 and the "internal" one on 127.0.0.1, at the same port."""
    for _ in range(20):
        public = Listener("127.0.0.2", tls=tls).start()
        try:
            return public, Listener("127.0.0.1", public.port).start()
        except OSError:  # that port is taken on 127.0.0.1: another pair
            public.stop()
    raise RuntimeError("no free port on both loopback addresses")


@pytest.fixture
def pair():
    public, internal = listener_pair()
    yield public, internal
    public.stop()
    internal.stop()


@pytest.fixture
def connects(monkeypatch):
    """Where each socket would connect, recorded; no connection is opened (the peer "refuses")."""
    seen = []

    def create_connection(address, *args, **kwargs):
        seen.append(address)
        raise ConnectionRefusedError(111, "refused by the test")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return seen


def hook(url: str) -> None:
    """xm_wechat's webhook set to ``url`` (as the test settings allow, resolving nothing) and one notification due."""
    channel_webhook_set(code="xm_wechat", url=url)
    self_service_filing(PersonFactory())


def test_the_post_goes_to_the_address_checked_not_to_the_next_answer(pair, monkeypatch):
    public, internal = pair
    hook(f"http://{HOST}:{public.port}/hook")
    resolver = Resolver(["127.0.0.2"], ["127.0.0.1"])
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    report = services.notifications_send()
    assert report.sent == 1, report.errors
    assert internal.received == []  # a client resolving HOST again would have come here
    assert len(public.received) == 1
    assert public.received[0]["headers"]["Host"] == f"{HOST}:{public.port}"  # the name, not the address
    assert resolver.asked == 1  # resolved once, for the check


def test_in_production_the_socket_connects_to_the_checked_public_address(settings, monkeypatch, connects):
    hook(f"http://{HOST}:8080/hook")
    settings.NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS = False
    resolver = Resolver(["93.184.216.34"], ["127.0.0.1"])
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    report = services.notifications_send()
    assert connects == [("93.184.216.34", 8080)]  # not (HOST, 8080), which the resolver would answer 127.0.0.1
    assert resolver.asked == 1
    row = Notification.objects.get()
    assert report.retrying == 1 and row.attempts == 1 and row.last_error.startswith("ConnectError")


def test_in_production_a_name_now_resolving_to_loopback_is_refused_without_a_connection(
    settings, monkeypatch, connects
):
    hook(f"http://{HOST}:8080/hook")  # accepted when set
    settings.NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS = False
    monkeypatch.setattr(socket, "getaddrinfo", Resolver(["127.0.0.1"]))  # the name was rebound since
    report = services.notifications_send()
    assert connects == []
    row = Notification.objects.get()
    assert report.retrying == 1 and (row.status, row.attempts) == ("pending", 1)  # a failed attempt, recorded
    assert "127.0.0.1" in row.last_error


def test_one_internal_answer_among_public_ones_refuses_the_host(settings, monkeypatch, connects):
    hook(f"http://{HOST}:8080/hook")
    settings.NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS = False
    monkeypatch.setattr(socket, "getaddrinfo", Resolver(["93.184.216.34", "10.0.0.7"]))
    services.notifications_send()
    assert connects == []
    last_error = Notification.objects.get().last_error
    assert "10.0.0.7" in last_error and "93.184.216.34" not in last_error  # names the culprit only


@pytest.mark.parametrize("address", ["64:ff9b::7f00:1", "2002:0a00:0001::", "::ffff:127.0.0.1", "::127.0.0.1"])
def test_in_production_an_embedded_internal_ipv4_address_is_refused_at_delivery(settings, connects, address):
    hook(f"http://[{address}]:8080/hook")  # accepted while private addresses were allowed
    settings.NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS = False
    services.notifications_send()
    assert connects == []
    row = Notification.objects.get()
    assert row.attempts == 1 and row.status == "pending"


def test_an_address_that_does_not_answer_is_followed_by_the_next_checked_one_only(pair, monkeypatch):
    public, internal = pair
    hook(f"http://{HOST}:{public.port}/hook")
    monkeypatch.setattr(socket, "getaddrinfo", Resolver(["127.0.0.3", "127.0.0.2"], ["127.0.0.1"]))
    assert services.notifications_send().sent == 1  # nothing listens on 127.0.0.3
    assert len(public.received) == 1 and internal.received == []


def test_through_an_egress_proxy_the_addresses_are_checked_first_and_the_proxy_connects(
    settings, monkeypatch, connects
):
    hook(f"http://{HOST}:8080/hook")
    settings.NOTIFICATION_ALLOW_PRIVATE_WEBHOOKS = False
    settings.NOTIFICATION_WEBHOOK_PROXY = "http://127.0.0.9:3128"
    monkeypatch.setattr(socket, "getaddrinfo", Resolver(["127.0.0.1"]))
    services.notifications_send()
    assert connects == []  # refused before anything is opened, the proxy included
    monkeypatch.setattr(socket, "getaddrinfo", Resolver(["93.184.216.34"]))
    services.notifications_send(now=timezone.now() + datetime.timedelta(hours=1))
    assert connects == [("127.0.0.9", 3128)]  # the proxy resolves and connects: it must hold the same rule
    assert Notification.objects.get().attempts == 2


def test_the_pinned_connection_opens_no_socket_to_any_other_host(connects):
    backend = services._PinnedBackend(WebhookTarget("http", HOST, 8080, ("93.184.216.34",)))
    with pytest.raises(httpcore.ConnectError):
        backend.connect_tcp("other.example.test", 8080)
    with pytest.raises(httpcore.ConnectError):
        backend.connect_tcp(HOST, 8081)
    assert connects == []


# --- TLS: the certificate is checked for the name, whatever address the socket was pinned to -------------


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    """A test certificate authority; ``issue(name)`` writes a certificate for ``name`` and returns a server context."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "webhook test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")

    def issue(name: str) -> ssl.SSLContext:
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        cert_file, key_file = folder / f"{name}.pem", folder / f"{name}.key"
        cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        return context

    issue.ca_pem = ca.public_bytes(serialization.Encoding.PEM).decode()
    return issue


@pytest.fixture
def trusting(authority, monkeypatch):
    """The sender trusts the test authority (and only it), checking names as it always does."""
    monkeypatch.setattr(services, "_tls_context", lambda: ssl.create_default_context(cadata=authority.ca_pem))


@pytest.mark.parametrize(("certificate_for", "delivered"), [(HOST, True), ("other.example.test", False)])
def test_https_is_pinned_and_still_verifies_the_certificate_for_the_name(
    authority, trusting, monkeypatch, certificate_for, delivered
):
    public, internal = listener_pair(tls=authority(certificate_for))
    try:
        hook(f"https://{HOST}:{public.port}/hook")
        monkeypatch.setattr(socket, "getaddrinfo", Resolver(["127.0.0.2"], ["127.0.0.1"]))
        report = services.notifications_send()
    finally:
        public.stop()
        internal.stop()
    assert public.server_names == [HOST]  # SNI names the host, not 127.0.0.2
    assert internal.received == []
    if delivered:
        assert report.sent == 1 and public.received[0]["headers"]["Host"] == f"{HOST}:{public.port}"
    else:  # a certificate for another name is refused: the check is not lost to the pinning
        assert report.retrying == 1 and public.received == []
        assert "CERTIFICATE_VERIFY_FAILED" in Notification.objects.get().last_error
