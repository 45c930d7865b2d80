"""asyncssh looks for shared libraries with `ctypes.util.find_library` when it is imported:
liboqs (post-quantum key exchange, two names) and nettle (UMAC, up to three names), each
search `ldconfig -p`, then gcc and ld for a name it does not find (up to eight processes
for liboqs alone, tens of ms idle and hundreds under load), while the command waits on its
way to its first frame or connection. `look_ahead` starts those searches in a thread at
once, before the imports, and asyncssh's own calls get its answers: the same answers,
found sooner."""

from __future__ import annotations

import ctypes.util
import sys
import threading
from concurrent.futures import Future

# What asyncssh asks for, library by library (asyncssh.crypto.pq, asyncssh.crypto.umac), in
# its order; it stops at a library's first name found.
LIBRARIES = (("oqs", "liboqs"), ("nettle", "libnettle", "libnettle-6"))
NAMES = tuple(name for names in LIBRARIES for name in names)


def look_ahead() -> None:
    """Search for those libraries in a thread; `ctypes.util.find_library` answers those
    names from it (waiting for it if need be) and asks the system for any other."""
    if "asyncssh" in sys.modules:  # it has looked already
        return
    ask = ctypes.util.find_library
    answers: dict[str, Future[str | None]] = {name: Future() for name in NAMES}
    skipped: set[str] = set()  # names not searched: their library was found by an earlier one

    def search() -> None:
        for names in LIBRARIES:
            found = False
            for name in names:
                if found:
                    skipped.add(name)
                    answers[name].set_result(None)
                    continue
                try:
                    path = ask(name)
                except Exception as exc:  # raised where asyncssh asks, as it would have been
                    answers[name].set_exception(exc)
                else:
                    answers[name].set_result(path)
                    found = path is not None

    def find_library(name: str) -> str | None:
        answer = answers.get(name)
        if answer is None:
            return ask(name)
        path = answer.result()
        return ask(name) if name in skipped else path

    ctypes.util.find_library = find_library
    threading.Thread(target=search, name="liboqs-lookup", daemon=True).start()
