"""A receiver that is down is named by its address, as an SSH host's refusal is: walked
with a webhook channel whose receiver was not running, the step's line read
`hook: [Errno 111] Connection refused (after 2 attempts)`, naming no receiver. A real
socket on loopback, bound and never listening, urllib as the console sends."""

from __future__ import annotations

import asyncio
import socket

from console.engine.webhook import post_json


def test_a_receiver_down_is_said_by_its_address_not_an_errno():
    with socket.socket() as held:  # bound, never listening: a connection there is refused
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        result = asyncio.run(post_json(f"http://127.0.0.1:{port}/T0/B0/secret", {"text": "x"}, 5))
    said = f"connection refused by 127.0.0.1:{port}"
    assert (result.ok, result.detail, result.retryable) == (False, said, True)
    assert not result.unanswered  # never sent: no "it may have arrived"


def test_a_proxy_that_is_down_is_said_as_the_proxy_not_the_receiver(monkeypatch):
    """Seen: with `https_proxy` set on the jump host (as urllib reads it) and the proxy
    down, the step read `connection refused by hooks.slack.com:443`, blaming a receiver
    never reached. The proxy is named, never its credentials nor the URL's path."""
    for name in ("no_proxy", "NO_PROXY", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with socket.socket() as held:  # the proxy: bound, never listening
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        monkeypatch.setenv("http_proxy", f"http://ops:pr0xy-pw@127.0.0.1:{port}")
        url = "http://hooks.example.com/services/T0/B0/secret"
        result = asyncio.run(post_json(url, {"text": "x"}, 5))
    said = (
        f"connection refused by its proxy 127.0.0.1:{port} (http_proxy in the environment):"
        " hooks.example.com:80 was not reached"
    )
    assert (result.ok, result.detail, result.retryable) == (False, said, True)
