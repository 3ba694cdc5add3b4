"""The client's address, read from X-Forwarded-For only when a trusted proxy passes it on (smdq/net.py)."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from smdq.env import env_networks
from smdq.net import client_address, limited_address


def address(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **meta))


@pytest.fixture
def proxies(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "::1"]


def test_without_trusted_proxies_the_peer_is_the_client(settings):
    settings.TRUSTED_PROXIES = []
    assert address("10.0.0.1", "203.0.113.9") == "10.0.0.1"


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("198.51.100.1", "203.0.113.9", "198.51.100.1"),  # not a proxy: its header is not believed
        ("10.0.0.1", "203.0.113.9", "203.0.113.9"),
        ("::1", "2001:db8::7", "2001:db8::7"),
        ("10.0.0.1", None, "10.0.0.1"),
        ("10.0.0.1", "", "10.0.0.1"),
        # The client wrote the left part itself: the proxy appended what it saw, on the right.
        ("10.0.0.1", "192.0.2.1, 203.0.113.9", "203.0.113.9"),
        # Two proxies in a row: past the trusted ones, the first untrusted hop.
        ("10.0.0.1", "192.0.2.1, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        ("10.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.3"),
        # Not an address: the chain is broken there; the last proxy that vouched for something wins.
        ("10.0.0.1", "203.0.113.9, n'importe quoi", "10.0.0.1"),
        ("10.0.0.1", "n'importe quoi, 10.0.0.2", "10.0.0.2"),
    ],
)
def test_forwarded_address_from_trusted_proxies_only(proxies, remote, forwarded, expected):
    assert address(remote, forwarded) == expected


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2::1", "2001:db8:1:2::"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::"),
        ("2001:db8:1:3::1", "2001:db8:1:3::"),  # the next /64: another home
        ("::ffff:198.51.100.7", "198.51.100.7"),
    ],
)
def test_a_limit_counts_an_ipv6_client_by_its_64_block(settings, remote, expected):
    settings.TRUSTED_PROXIES = []
    assert limited_address(RequestFactory().get("/", REMOTE_ADDR=remote)) == expected


def test_trusted_proxies_setting_is_checked(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8, ::1")
    assert env_networks("TRUSTED_PROXIES") == ["127.0.0.1", "10.0.0.0/8", "::1"]
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1, le-proxy")
    with pytest.raises(ImproperlyConfigured, match="'le-proxy' n'est ni une adresse IP ni un réseau"):
        env_networks("TRUSTED_PROXIES")


# X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER) is believed only from a trusted proxy, like X-Forwarded-For.


@pytest.fixture
def https_behind_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("remote", "redirected"),
    [
        ("10.0.0.1", False),  # the proxy says the client spoke HTTPS: believed
        ("198.51.100.1", True),  # anyone else saying so is not: sent to HTTPS like any plain request
    ],
)
def test_forwarded_proto_is_believed_only_from_a_trusted_proxy(client, https_behind_proxy, remote, redirected):
    response = client.get("/comptes/connexion/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_PROTO="https")
    if redirected:
        assert response.status_code == 301 and response["Location"].startswith("https://")
    else:
        assert response.status_code == 200


def test_the_middleware_drops_the_header_of_an_untrusted_peer(https_behind_proxy):
    from smdq.middleware import UntrustedForwardedProtoMiddleware

    seen = {}

    def view(request):
        seen["secure"] = request.is_secure()
        return None

    middleware = UntrustedForwardedProtoMiddleware(view)
    for remote, secure in [("10.0.0.9", True), ("203.0.113.5", False)]:
        middleware(RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_PROTO="https"))
        assert seen["secure"] is secure, remote
