"""An update never sent is not said to have maybe arrived, and never goes out after it was
given up on. A Slack channel's update is not tried again once it went out without an
answer (Slack would post it twice); one that never went out must be. The whole send is
bounded by `timeout` + 1 s, and past that it was said 'unanswered' whether or not anything
had been sent: a webhook's name slow to look up (getaddrinfo has no timeout: a resolver
down on a bad day) read 'no answer within 1 s: it may have arrived; not sent again', the
channel never told, and the thread given up on sent the update anyway once the name came.
A real receiver on loopback, urllib as the console sends; only the lookup is made slow."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

from console.engine import webhook
from console.engine.webhook import post_json

LOOKUP = 2.5  # s: longer than the send's bound (timeout 1 s + 1 s)


def test_an_update_not_sent_in_time_is_never_sent_and_said_so(monkeypatch):
    received: list[bytes] = []
    lookup = socket.getaddrinfo

    def slow(*args, **kwargs):
        time.sleep(LOOKUP)
        return lookup(*args, **kwargs)

    with socket.create_server(("127.0.0.1", 0)) as receiver:
        receiver.settimeout(LOOKUP + 5)

        def serve() -> None:
            try:
                connection, _ = receiver.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(5)
                while data := connection.recv(65536):
                    received.append(data)

        serving = threading.Thread(target=serve, daemon=True)
        serving.start()
        url = f"http://localhost:{receiver.getsockname()[1]}/hook"
        monkeypatch.setattr(socket, "getaddrinfo", slow)

        async def send() -> webhook.WebhookResult:
            result = await post_json(url, {"text": "rolled back"}, 1)
            await webhook.settled(url, LOOKUP + 5)  # the thread given up on, ended
            return result

        result = asyncio.run(send())
        serving.join(timeout=LOOKUP + 10)
    assert (result.ok, result.detail, result.retryable) == (False, "no answer within 1 s", True)
    assert not result.unanswered, "said it may have arrived"  # on main: a Slack update given up
    assert received == [], received  # never sent after it was given up on (on main: sent)
