"""Each connection's asyncssh options made on its own event loop, not in a thread.

asyncssh (checked on 2.14 to 2.24) makes every connection's options from the ones given
(`SSHClientConnectionOptions.construct`) in the loop's default executor, a thread, in case
they read files. The console's read none there: ssh_config is resolved, keys loaded and
known_hosts parsed once per destination (login_options.py); what is left a connection is
the user's name and three stats in ~/.ssh, which ssh makes inline too. The thread's
hand-offs and the interpreter's lock passed back and forth were most of exec's context
switches (on 200 real hosts 560 -> 179 voluntary switches a run, the floor's ~200;
bench/RESULTS.md "exec's CPU a host above the floor at 200 and 1,000 hosts"). Failures
are raised as the thread raised them, to the same awaiting caller.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncssh

_OPTIONS: Any = asyncssh.SSHClientConnectionOptions


async def _on_the_loop(cls: Any, /, options: Any = None, **kwargs: Any) -> Any:
    return cls(options, loop=asyncio.get_running_loop(), **kwargs)


def options_on_the_loop() -> None:
    """asyncssh's clients make their options inline from now on (idempotent); left as it
    is where asyncssh has no `construct` to replace."""
    if callable(getattr(_OPTIONS, "construct", None)):
        _OPTIONS.construct = classmethod(_on_the_loop)
