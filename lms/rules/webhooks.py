"""Webhooks: which addresses a delivery may go to, what an endpoint's URL must look like,
and when a failed delivery is tried again.

Pure functions: the services resolve names, send requests and translate the codes these
return into messages.
"""

import ipaddress
from datetime import datetime
from datetime import timedelta
from urllib.parse import urlsplit

#: The events an endpoint may subscribe to, in the order the forms offer them.
EVENTS = (
    "clearance.changed",
    "certification.issued",
    "certification.expired",
    "certification.revoked",
    "person.deactivated",
)

MAX_URL = 2000
#: The first retry waits this long; each next one twice as long, up to :data:`MAX_DELAY`.
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

#: IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, RFC 6052/8215).
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def forbidden(ip: Address) -> bool:
    """Whether a delivery must not go to ``ip`` unless its endpoint allows private
    addresses: loopback, link-local (cloud metadata at 169.254.169.254), private, shared
    (100.64/10), multicast, reserved, documentation and unspecified addresses, and IPv6
    addresses that embed one of those (mapped, 6to4, Teredo, NAT64)."""
    if not ip.is_global or ip.is_multicast:
        return True
    return any(forbidden(inner) for inner in _embedded(ip))


def _embedded(ip: Address) -> list[ipaddress.IPv4Address]:
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    inner = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if any(ip in net for net in _NAT64):
        inner.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [a for a in inner if a is not None]


def literal_address(host: str) -> Address | None:
    """``host`` as an IP address when it is one (brackets of an IPv6 URL removed)."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def url_problem(url: str, *, allow_private: bool) -> str | None:
    """Why ``url`` cannot be an endpoint, as a code; None when it can.

    ``too_long``, ``not_a_url`` (no scheme or host, or spaces), ``scheme`` (not http(s)),
    ``https_required`` (plain http to a public address), ``credentials`` (user:password@),
    ``fragment``, ``port``, ``private`` (a literal address or ``localhost`` that only an
    endpoint allowing private addresses may use). Names are resolved when sending, where
    every address they resolve to is checked again.
    """
    if len(url) > MAX_URL:
        return "too_long"
    if not url or any(c.isspace() or ord(c) < 32 for c in url):
        return "not_a_url"
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed [ of an IPv6 address
        return "not_a_url"
    try:
        port = parts.port
    except ValueError:
        return "port"
    if parts.scheme not in ("http", "https"):
        return "scheme" if parts.scheme else "not_a_url"
    host = parts.hostname
    if not host or not parts.netloc:
        return "not_a_url"
    if parts.username is not None or parts.password is not None:
        return "credentials"
    if parts.fragment:
        return "fragment"
    if port == 0:
        return "port"
    if not allow_private and local_name(host):
        return "private"
    if parts.scheme == "http" and not allow_private:
        return "https_required"
    return None


def local_name(host: str) -> bool:
    """Whether ``host`` is a literal forbidden address or a name that is always this
    machine (``localhost``, ``*.localhost``: RFC 6761)."""
    address = literal_address(host)
    if address is not None:
        return forbidden(address)
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def next_attempt(attempts: int, now: datetime, give_up_at: datetime) -> datetime | None:
    """When to try again after the ``attempts``-th attempt failed at ``now``: 30 s, then
    twice as long each time up to 6 hours, with a last try at ``give_up_at``; None when
    ``give_up_at`` has come (the delivery is given up)."""
    if now >= give_up_at:
        return None
    delay = FIRST_DELAY * 2 ** min(max(attempts - 1, 0), 20)
    return min(now + min(delay, MAX_DELAY), give_up_at)
