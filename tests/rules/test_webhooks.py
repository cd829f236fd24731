"""Where webhooks may go, what an endpoint's URL must be, and when a failure is retried."""

import ipaddress
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from lms.rules import webhooks as rules

START = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared (carrier-grade NAT)
        "0.0.0.0",
        "224.0.0.1",  # multicast, though "global"
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "192.0.2.10",  # documentation
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:169.254.169.254",
        "2002:7f00:1::",  # 6to4 around 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 around 10.0.0.1
        "2001:db8::1",
    ],
)
def test_private_loopback_link_local_and_reserved_addresses_are_forbidden(address):
    assert rules.forbidden(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert not rules.forbidden(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("url", "private", "problem"),
    [
        ("https://hooks.example.com/lms", False, None),
        ("https://hooks.example.com:8443/a?b=c", False, None),
        ("http://hooks.example.com/", False, "https_required"),
        ("http://hooks.example.com/", True, None),
        ("https://127.0.0.1/", False, "private"),
        ("https://127.0.0.1/", True, None),
        ("https://[fe80::1]/", False, "private"),
        ("https://LOCALHOST/", False, "private"),
        ("https://x.localhost/", False, "private"),
        ("https://localhost.example.com/", False, None),
        ("https://8.8.8.8/", False, None),
        ("javascript:alert(1)", False, "scheme"),
        ("//hooks.example.com/", False, "not_a_url"),
        ("https:///path", False, "not_a_url"),
        ("https://a b/", False, "not_a_url"),
        ("https://hooks.example.com/\n", False, "not_a_url"),
        ("", False, "not_a_url"),
        ("https://u:p@hooks.example.com/", False, "credentials"),
        ("https://hooks.example.com/#frag", False, "fragment"),
        ("https://hooks.example.com:0/", False, "port"),
        ("https://hooks.example.com:70000/", False, "port"),
        ("https://hooks.example.com:x/", False, "port"),
        ("https://[::1/", False, "not_a_url"),
        ("https://" + "a" * 2000, False, "too_long"),
    ],
)
def test_url_problems(url, private, problem):
    assert rules.url_problem(url, allow_private=private) == problem


def test_retries_wait_twice_as_long_each_time_up_to_six_hours():
    give_up = START + timedelta(days=3)
    delays = [rules.next_attempt(n, START, give_up) - START for n in range(1, 12)]
    assert delays[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert delays[-1] == timedelta(hours=6) and max(delays) == timedelta(hours=6)


def test_the_last_try_is_at_the_give_up_time_then_none():
    give_up = START + timedelta(days=3)
    almost = give_up - timedelta(minutes=1)
    assert rules.next_attempt(9, almost, give_up) == give_up
    assert rules.next_attempt(10, give_up, give_up) is None
    assert rules.next_attempt(1, give_up + timedelta(days=1), give_up) is None


def test_the_offered_events_are_outbox_kinds():
    from lms.services.events import KINDS

    assert set(rules.EVENTS) <= set(KINDS)
