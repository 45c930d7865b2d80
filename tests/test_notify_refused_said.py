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
