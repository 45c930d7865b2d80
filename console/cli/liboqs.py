"""asyncssh looks for liboqs (post-quantum key exchange) with `ctypes.util.find_library`
when it is imported: `ldconfig -p`, then gcc and ld, for two names (eight processes,
tens of ms idle and hundreds under load), while the console waits on its way to its first
frame. `look_ahead` starts that search in a thread at once, before the imports, and
asyncssh's own calls get its answers: the same answers, found sooner."""

from __future__ import annotations

import ctypes.util
import sys
import threading
from concurrent.futures import Future

NAMES = ("oqs", "liboqs")  # what asyncssh.crypto.pq asks for, in its order


def look_ahead() -> None:
    """Search for liboqs in a thread; `ctypes.util.find_library` answers those names
    from it (waiting for it if need be) and asks the system for any other."""
    if "asyncssh" in sys.modules:  # it has looked already
        return
    ask = ctypes.util.find_library
    answers: dict[str, Future[str | None]] = {name: Future() for name in NAMES}

    def search() -> None:
        for name, answer in answers.items():
            try:
                answer.set_result(ask(name))
            except Exception as exc:  # raised where asyncssh asks, as it would have been
                answer.set_exception(exc)

    def find_library(name: str) -> str | None:
        answer = answers.get(name)
        return ask(name) if answer is None else answer.result()

    ctypes.util.find_library = find_library
    threading.Thread(target=search, name="liboqs-lookup", daemon=True).start()
