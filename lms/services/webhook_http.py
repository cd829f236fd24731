"""Sending one webhook request safely: signed, to an address it may go to, briefly.

- Signed with the ``standardwebhooks`` package (``webhook-id``, ``webhook-timestamp``,
  ``webhook-signature``), so any Standard Webhooks library verifies it.
- Server-side request forgery: unless its endpoint allows private addresses, a request
  never goes to a loopback, link-local (cloud metadata), private, shared, multicast or
  reserved address (:func:`lms.rules.webhooks.forbidden`). Every address the name
  resolves to is checked when sending, then requests-hardened resolves it again, checks
  that address and connects to it, not to the name (the TLS certificate is still checked
  against the name): a name that changes what it resolves to between the check and the
  connection (DNS rebinding) gains nothing.
- Redirects are never followed; proxies from the environment are not used (the check
  must see the real target); connecting may take ``WEBHOOKS_CONNECT_TIMEOUT`` seconds,
  each read ``WEBHOOKS_TIMEOUT``, the whole exchange ``WEBHOOKS_TIMEOUT`` (urllib3's
  total); at most 1 KiB of the answer is read, for the log.
"""

import json
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from urllib.parse import urlsplit

import requests
from requests_hardened import Config
from requests_hardened import Manager
from requests_hardened.ip_filter import InvalidIPAddress
from standardwebhooks import Webhook
from urllib3.util import Timeout

from lms.models import utcnow
from lms.rules import webhooks as rules

T = TypeVar("T")
R = TypeVar("R")

#: The most of an answer read (the rest is dropped with the connection).
READ_LIMIT = 1024
USER_AGENT = "brand-ambassador-lms-webhooks/1"


@dataclass(frozen=True)
class Answer:
    """What one attempt came to: an outcome of :data:`lms.models.webhook.OUTCOMES`."""

    outcome: str
    status_code: int | None = None
    duration_ms: int = 0
    detail: str | None = None

    @property
    def delivered(self) -> bool:
        return self.outcome == "delivered"


def body(kind: str, occurred_at: datetime, data: dict) -> bytes:
    """The JSON every endpoint receives: ``type``, ``timestamp`` and ``data``."""
    message = {"type": kind, "timestamp": occurred_at.isoformat(), "data": data}
    return json.dumps(message, separators=(",", ":"), sort_keys=True).encode()


def signed_headers(secret: str, message_id: str, payload: bytes) -> dict[str, str]:
    """The Standard Webhooks headers for ``payload``, signed now."""
    now = utcnow()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, payload),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


class Sender:
    """The HTTP sessions of one delivery run: connections are kept per target."""

    def __init__(self, connect_timeout: float, timeout: float):
        self.timeout = Timeout(connect=connect_timeout, read=timeout, total=timeout)
        self.sessions: dict[bool, requests.Session] = {}

    def __enter__(self) -> "Sender":
        return self

    def __exit__(self, *exc) -> None:
        for session in self.sessions.values():
            session.close()

    def post(self, url: str, payload: bytes, headers: dict, *, allow_private: bool) -> Answer:
        """POST ``payload`` to ``url``; never raises for what the network does."""
        started = time.monotonic()
        try:
            if not allow_private:
                refused = check_target(url)
                if refused:
                    return Answer("refused", detail=refused)
            # HTTPAdapter.send takes a urllib3 Timeout too (its docstring), for a total.
            response = self._session(allow_private).post(
                url,
                data=payload,
                headers=headers,
                timeout=self.timeout,  # type: ignore[arg-type]
                stream=True,
            )
            with response:
                return _judge(response, _first_bytes(response), _ms(started))
        except InvalidIPAddress as exc:  # requests-hardened's own check, at connect time
            return Answer("refused", duration_ms=_ms(started), detail=f"{exc} is not allowed")
        except requests.Timeout as exc:
            return Answer("timeout", duration_ms=_ms(started), detail=_short(exc))
        except requests.ConnectionError as exc:
            return Answer("connect", duration_ms=_ms(started), detail=_short(exc))
        except (requests.RequestException, OSError, ValueError) as exc:
            return Answer("error", duration_ms=_ms(started), detail=_short(exc))

    def _session(self, allow_private: bool) -> requests.Session:
        if allow_private not in self.sessions:
            manager = Manager(
                Config(
                    ip_filter_enable=not allow_private,
                    ip_filter_allow_loopback_ips=False,
                    never_redirect=True,
                    default_timeout=(self.timeout.connect_timeout, self.timeout.read_timeout),
                    user_agent_override=USER_AGENT,
                )
            )
            session = manager.get_session()
            session.trust_env = False  # no proxy from the environment: it would hide the target
            self.sessions[allow_private] = session
        return self.sessions[allow_private]


class SenderPool:
    """Requests sent ``size`` at a time, each thread with its own :class:`Sender` (a
    requests session is not shared between threads)."""

    def __init__(self, size: int, connect_timeout: float, timeout: float):
        self.timeouts = (connect_timeout, timeout)
        self.executor = ThreadPoolExecutor(max_workers=max(1, size), thread_name_prefix="webhook")
        self.local = threading.local()
        self.senders: list[Sender] = []
        self.lock = threading.Lock()

    def __enter__(self) -> "SenderPool":
        return self

    def __exit__(self, *exc) -> None:
        self.executor.shutdown(wait=True)
        for sender in self.senders:
            sender.__exit__()

    def map(self, work: Callable[[T, Sender], R], items: list[T]) -> list[R]:
        """``work(item, sender)`` for each item, in threads; the results in item order."""
        return list(self.executor.map(lambda item: work(item, self._sender()), items))

    def _sender(self) -> Sender:
        if not hasattr(self.local, "sender"):
            self.local.sender = Sender(*self.timeouts)
            with self.lock:
                self.senders.append(self.local.sender)
        return self.local.sender


def check_target(url: str) -> str | None:
    """Why a request to ``url`` may not go out (a name resolving to a forbidden address),
    or None. Every address the name resolves to is checked."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if rules.local_name(host):
        return f"{host} is a private, loopback or reserved address"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise requests.ConnectionError(f"{host} does not resolve: {exc}") from exc
    for *_, sockaddr in found:
        address = rules.literal_address(str(sockaddr[0]).split("%")[0])
        if address is None or rules.forbidden(address):
            return f"{host} resolves to {sockaddr[0]}, a private, loopback or reserved address"
    return None


def _first_bytes(response: requests.Response) -> bytes:
    return response.raw.read(READ_LIMIT, decode_content=False) or b""


def _judge(response: requests.Response, start: bytes, ms: int) -> Answer:
    code = response.status_code
    if 200 <= code < 300:
        return Answer("delivered", code, ms)
    if 300 <= code < 400:
        target = response.headers.get("location", "")
        return Answer("redirect", code, ms, _short(f"redirect to {target} not followed"))
    text = start.decode("utf-8", "replace").strip()
    return Answer("http_status", code, ms, _short(text) or None)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _short(value) -> str:
    return str(value)[:500]
