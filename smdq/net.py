"""Who is asking: the address of the client, also behind a reverse proxy.

Behind the proxy of the README every request comes from the proxy's address; the client's is in the
X-Forwarded-For header the proxy adds. That header is believed only from a trusted proxy (TRUSTED_PROXIES,
none by default): from anyone else it is whatever they chose to write. Log-in lockouts (django-axes) and
the online questionnaire's and the public contact form's limits count per address, through `limited_address`.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.utils.crypto import salted_hmac


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]):
    return tuple(ipaddress.ip_network(item, strict=False) for item in trusted)


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def is_trusted_proxy(address: str) -> bool:
    ip = _address(address)
    return ip is not None and any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_address(request) -> str:
    """The client's IP address: the direct peer, unless it is a trusted proxy; then the forwarding header
    is read from the right (the hop the nearest proxy saw) past the trusted proxies. Entries further left
    were written by the client and prove nothing."""
    peer = request.META.get("REMOTE_ADDR", "")
    if not is_trusted_proxy(peer):
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    address = peer
    for hop in reversed(hops):
        if _address(hop) is None:
            break  # not an address: the chain is broken here; keep the last hop a trusted proxy vouched for
        address = hop
        if not is_trusted_proxy(hop):
            break
    return str(_address(address) or address)


def limited_address(request) -> str:
    """What a limit counts: the client's address (client_address), an IPv6 one as the first address of its /64,
    the block a single host is given (a home, a phone): counted address by address, one machine could send as
    many times as it has addresses, 2^64. An IPv4-mapped address counts as its IPv4 address."""
    address = client_address(request)
    ip = _address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return address


def keyed_hash(purpose: str, value: str) -> str:
    """What a limit keeps of an address (or an e-mail): a keyed hash, salted by its purpose, never the value itself;
    without the SECRET_KEY it cannot be turned back into the value by trying them all."""
    return salted_hmac(purpose, value, algorithm="sha256").hexdigest()
