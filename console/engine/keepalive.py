"""Keepalive without a new timer per packet.

asyncssh (checked on 2.14 to 2.24) cancels its keepalive timer and schedules a new one
for every burst of packets it receives (`_reset_keepalive_timer`): two timers a command,
each cancelled one left in the event loop's heap among every host's live ones (~2 % of a
step's instructions at 200 hosts, bench/RESULTS.md). Here a burst only notes its time,
and the timer, when it fires, moves itself on to `interval` after the latest one: a
keepalive is still sent after `interval` of silence, and the connection given up after
`count_max` of them unanswered, by asyncssh's own callback.
"""

from __future__ import annotations

from typing import Any

import asyncssh

# asyncssh's private parts this relies on; without any of them it is left as it is.
_HOOKS = (
    "_loop",
    "_auth_complete",
    "_keepalive_interval",
    "_keepalive_timer",
    "_keepalive_timer_callback",
    "_set_keepalive_timer",
    "_cancel_keepalive_timer",
    "_reset_keepalive_timer",
)


def lazy_keepalive(conn: asyncssh.SSHClientConnection) -> None:
    """Make `conn`'s keepalive timer move itself on instead of being re-armed per packet."""
    if not all(hasattr(conn, name) for name in _HOOKS):
        return
    c: Any = conn  # its private parts
    loop = c._loop
    fire = c._keepalive_timer_callback  # asyncssh's: counts, gives up or asks
    heard = loop.time()

    def reset() -> None:
        nonlocal heard
        if c._auth_complete:  # as asyncssh's own reset
            heard = loop.time()
            if c._keepalive_timer is None:
                c._set_keepalive_timer()

    def on_time() -> None:
        interval = c._keepalive_interval
        if not interval:  # turned off since
            c._keepalive_timer = None
        elif heard + interval > loop.time():  # heard from since it was set: not silent yet
            c._keepalive_timer = loop.call_at(heard + interval, on_time)
        else:
            fire()

    c._reset_keepalive_timer = reset
    c._keepalive_timer_callback = on_time
    # The timer running now holds asyncssh's own callback: set it again with this one.
    c._cancel_keepalive_timer()
    c._set_keepalive_timer()
