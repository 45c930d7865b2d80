"""POST a JSON payload to a webhook URL, off the event loop, bounded by a timeout."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console import __version__
from console.model.channel_secrets import basic_credential

if TYPE_CHECKING:
    import urllib.parse  # only a command that delivers a webhook pays for urllib

USER_AGENT = f"rollback-console/{__version__}"
ANSWER_BYTES = 300  # of an error answer, kept as its detail (Slack says `invalid_payload`)


@dataclass
class WebhookResult:
    ok: bool
    status: int | None
    detail: str
    retryable: bool = False  # a network error, a timeout, 429 or 5xx: worth another try
    retry_after: float | None = None  # seconds, when the server said so
    unanswered: bool = False  # sent whole, then no answer: the receiver may have taken it


class _Gate:
    """Whether a request began to go out, and whether it was given up on first: decided
    under one lock, so that one given up on (past `timeout` + 1 s, its name still being
    looked up: getaddrinfo has no timeout) never goes out after, while a retry may."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started = self._closed = False

    def start(self) -> None:
        with self._lock:
            if self._closed:
                raise OSError("given up on before it was sent")
            self._started = True

    def close(self) -> bool:
        """Give the request up; whether it had begun to go out (it may have arrived)."""
        with self._lock:
            self._closed = True
            return self._started


def _answer(body: bytes) -> str:
    text = body[:ANSWER_BYTES].decode("utf-8", "replace")
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _post(
    url: str,
    payload: dict[str, Any],
    headers: dict[str, str],
    timeout: float,
    gate: _Gate | None = None,
) -> WebhookResult:
    import http.client
    import urllib.error  # only a command that delivers a webhook pays for urllib
    import urllib.request

    body = json.dumps(payload, sort_keys=True).encode()
    try:
        url, headers = _credentials_out(url, headers)
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={**headers, "Content-Type": "application/json", "User-Agent": USER_AGENT},
        )
        with _opener(gate).open(request, timeout=timeout) as response:
            return WebhookResult(True, response.status, f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        answer, cut = _kept(exc)
        said = _answer(answer)
        detail = f"HTTP {exc.code} {exc.reason}" + (f": {said}" if said else "")
        detail += " (the answer was cut short)" if cut else ""
        if 300 <= exc.code < 400:
            detail += _redirected(exc.headers.get("Location", "") if exc.headers else "")
        return WebhookResult(
            False,
            exc.code,
            detail,
            retryable=exc.code == 429 or exc.code >= 500,
            retry_after=_retry_after(exc.headers.get("Retry-After", "") if exc.headers else ""),
        )
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):  # connecting, or waiting for the answer: urllib
            # wraps what fails while connecting and sending (URLError), not while waiting
            return WebhookResult(
                False,
                None,
                f"no answer within {timeout:g} s",
                retryable=True,
                unanswered=not isinstance(exc, urllib.error.URLError),
            )
        if not_tls := _not_tls(reason):  # the same on every attempt: none is retried
            return WebhookResult(False, None, not_tls)
        # A hang-up in place of the answer (RemoteDisconnected, a reset): the request
        # had gone out whole, as for a timeout waiting for the answer.
        return WebhookResult(
            False,
            None,
            _refused(reason, url) if isinstance(reason, ConnectionRefusedError) else str(reason),
            retryable=True,
            unanswered=not isinstance(exc, urllib.error.URLError),
        )
    except http.client.InvalidURL as exc:  # a port that is no number, a space in the path
        return WebhookResult(False, None, f"not sent: the URL is not valid: {exc}")
    except http.client.HTTPException as exc:  # an answer that is no HTTP (a wrong port: an
        # sshd's banner) or malformed: the same on another try, so final (a hang-up
        # before any answer, RemoteDisconnected, is an OSError above: retried)
        said = _answer(str(exc).encode()) or type(exc).__name__
        return WebhookResult(False, None, f"not an HTTP answer: {said}")
    except ValueError as exc:  # a request that cannot be made (a header value from the
        # environment with a line break, a URL's bracket unclosed): the same on every
        # attempt, so none is retried
        return WebhookResult(False, None, f"not sent: {exc}")


def _refused(reason: OSError, url: str) -> str:
    """`connection refused by HOST:PORT`, as an SSH host's refusal reads (it read `[Errno
    111] Connection refused`, naming no receiver); the URL's path and credentials, the
    secret parts, are left out. Sent through a proxy (`https_proxy` in the environment, as
    urllib reads it), the proxy refused it, and is named: the receiver was never reached."""
    import urllib.parse
    import urllib.request

    parts = urllib.parse.urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(parts.hostname or ""):
        via = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        return (
            f"connection refused by its proxy {_address(via)} ({parts.scheme}_proxy in the"
            f" environment): {_address(parts)} was not reached"
        )
    return f"connection refused by {_address(parts)}"


def _address(parts: urllib.parse.SplitResult) -> str:
    """HOST:PORT of a URL, nothing else of it (a proxy's URL may hold a password too)."""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    return f"{host}:{port}"


def _kept(answer: Any) -> tuple[bytes, bool]:
    """The start of an error answer's body, as much as its detail keeps, and whether the
    receiver hung up in it. No more is read: a body that never ends, or comes a byte at a
    time, holds neither memory nor this thread past its first ANSWER_BYTES."""
    import http.client

    kept = b""
    try:
        while len(kept) < ANSWER_BYTES and (part := answer.read(ANSWER_BYTES - len(kept))):
            kept += part
    except http.client.IncompleteRead as exc:  # a chunk cut short
        return kept + exc.partial, True
    except (OSError, http.client.HTTPException):  # reset, timed out, a chunk malformed
        return kept, True
    else:  # closed before its Content-Length: http.client reads that as the end
        return kept, len(kept) < ANSWER_BYTES and bool(getattr(answer.fp, "length", None))
    finally:
        with contextlib.suppress(OSError, http.client.HTTPException):
            answer.close()


def _credentials_out(url: str, headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    """A URL's `user:password@` as HTTP Basic authentication, as curl sends it: urllib
    took it for part of the host name ("Name or service not known"). A header named
    Authorization that the channel sets wins."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, headers
    url = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    if any(name.lower() == "authorization" for name in headers):
        return url, headers
    return url, {
        **headers,
        "Authorization": "Basic " + basic_credential(parts.username, parts.password),
    }


def _not_tls(reason: object) -> str | None:
    """Why an https:// URL cannot work as it is, when the handshake said so: the port
    speaks plain HTTP (OpenSSL reads its answer as a "wrong version number"), or the
    server's certificate is not trusted here. None for anything that may pass later."""
    import ssl

    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted: {reason.verify_message or reason.reason}"
    if isinstance(reason, ssl.SSLError) and reason.reason == "WRONG_VERSION_NUMBER":
        return "no TLS at this address: it answered in plain text (an http:// URL?)"
    return None


def _retry_after(said: str) -> float | None:
    """Retry-After's seconds: a number of them, or an HTTP date (RFC 9110), counted from
    now; None when it says neither."""
    said = said.strip()
    if said.isdigit():
        return float(said)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(said)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT; a bare one is taken as such
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())


def _opener(gate: _Gate | None = None) -> Any:
    """urllib's opener without its redirect handler. It turned a POST redirected with 301,
    302 or 303 into a GET without the message, reported as delivered when the target
    answered it, and sent the Authorization header on to wherever it pointed. Connected,
    the request passes `gate` before it goes out."""
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None  # the 3xx is the answer: an HTTPError

    if gate is None:
        return urllib.request.build_opener(NoRedirect)
    through = gate

    def gated(connection: Any) -> Any:
        class Gated(connection):  # type: ignore[misc]
            def connect(self) -> None:  # the name looked up, connected (TLS: shaken hands)
                super().connect()
                through.start()  # what follows is the request going out

        return Gated

    class Http(urllib.request.HTTPHandler):
        def do_open(self, http_class: Any, req: Any, **kw: Any) -> Any:
            return super().do_open(gated(http_class), req, **kw)

    class Https(urllib.request.HTTPSHandler):
        def do_open(self, http_class: Any, req: Any, **kw: Any) -> Any:
            return super().do_open(gated(http_class), req, **kw)

    return urllib.request.build_opener(NoRedirect, Http, Https)


def _redirected(location: str) -> str:
    from urllib.parse import urlsplit

    where = urlsplit(location)
    to = f" to {where.scheme}://{where.netloc}/..." if where.netloc else ""
    return f" (redirected{to}; not followed: set the URL it names)"


# Requests on their way, by URL: a send given up on (cancelled) leaves its thread to
# finish its one request; `settled` lets a later event to that URL wait for it.
_IN_FLIGHT: dict[str, set[threading.Thread]] = {}


async def settled(url: str, timeout: float) -> None:
    """Wait (at most `timeout`) until no request to `url` is on its way: PagerDuty must
    get a trigger retried across the close before the resolve, never after it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while any(t.is_alive() for t in _IN_FLIGHT.get(url, ())):
        if asyncio.get_running_loop().time() > deadline:
            return
        await asyncio.sleep(0.05)


async def post_json(
    url: str, payload: dict[str, Any], timeout: float, headers: dict[str, str] | None = None
) -> WebhookResult:
    """Deliver `payload`; any 2xx is success, everything else is a failure with a reason."""
    if not url.startswith(("http://", "https://")):
        return WebhookResult(False, None, "the webhook URL must be http:// or https://")
    gate = _Gate()
    try:
        return await asyncio.wait_for(
            _in_daemon_thread(_post, url, payload, headers or {}, timeout, gate), timeout + 1
        )
    except TimeoutError:  # an answer coming too slowly to end within the socket's timeout,
        # or nothing sent yet (a slow name lookup): then never sent, and tried again
        return WebhookResult(
            False, None, f"no answer within {timeout:g} s", retryable=True, unanswered=gate.close()
        )


def _in_daemon_thread(
    post: Callable[..., WebhookResult], *args: Any
) -> asyncio.Future[WebhookResult]:
    """`post(*args)` in a thread of its own that never holds the process open: a server
    that does not answer must not keep a run that stopped waiting for it (Ctrl+C) alive
    until its timeout, as the loop's default executor would at exit."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[WebhookResult] = loop.create_future()

    def settle(result: WebhookResult | None, error: BaseException | None) -> None:
        if future.done():  # given up on (a timeout, an interrupt)
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def work() -> None:
        try:
            result, error = post(*args), None
        except Exception as exc:  # handed to the awaiting task, as to_thread would
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
            loop.call_soon_threadsafe(settle, result, error)

    thread = threading.Thread(target=work, name="webhook", daemon=True)
    flying = _IN_FLIGHT.setdefault(args[0], set())
    flying.difference_update([t for t in flying if not t.is_alive()])
    flying.add(thread)
    thread.start()
    return future
