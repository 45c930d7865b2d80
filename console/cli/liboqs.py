"""asyncssh looks for shared libraries with `ctypes.util.find_library` when it is imported:
liboqs (post-quantum key exchange, two names) and nettle (UMAC, up to three names), each
search `ldconfig -p`, then gcc and ld for a name it does not find (up to eight processes
for liboqs alone, tens of ms idle and hundreds under load), while the command waits on its
way to its first frame or connection. `look_ahead` starts those searches in a thread at
once, before the imports, and asyncssh's own calls get its answers: the same answers,
found sooner.

The answers are kept for the next run (libraries.json in the state dir, as trusted as
the validated configuration beside it) under a key of what they come from: the linker's
cache (/etc/ld.so.cache), the library directories' times (a library added or removed
changes its directory's), and the environment the searches read (PATH, LD_LIBRARY_PATH,
LIBRARY_PATH, CC). A run whose key matches takes them and starts no process: exec's
start-up spent 7 processes (~40 ms of CPU on an idle machine, seconds' waits on a loaded
one) finding, every time, that liboqs is not there."""

from __future__ import annotations

import ctypes.util
import os
import sys
import threading
from concurrent.futures import Future

from console.model.kept_file import read_kept, write_kept
from console.paths import state_dir

# What asyncssh asks for, library by library (asyncssh.crypto.pq, asyncssh.crypto.umac), in
# its order; it stops at a library's first name found.
LIBRARIES = (("oqs", "liboqs"), ("nettle", "libnettle", "libnettle-6"))
NAMES = tuple(name for names in LIBRARIES for name in names)
KEPT_NAME = "libraries.json"
ENVIRONMENT = ("PATH", "LD_LIBRARY_PATH", "LIBRARY_PATH", "CC")
LINKER_CACHE = "/etc/ld.so.cache"


def look_ahead() -> threading.Thread | None:
    """Search for those libraries in a thread (returned), unless the answers kept match;
    `ctypes.util.find_library` answers those names from them (waiting for the search if
    need be) and asks the system for any other."""
    if "asyncssh" in sys.modules:  # it has looked already
        return None
    ask = ctypes.util.find_library
    answers: dict[str, Future[str | None]] = {name: Future() for name in NAMES}
    skipped: set[str] = set()  # names not searched: their library was found by an earlier one

    def find_library(name: str) -> str | None:
        answer = answers.get(name)
        if answer is None:
            return ask(name)
        path = answer.result()
        return ask(name) if name in skipped else path

    kept_at, key = state_dir() / KEPT_NAME, search_key()
    ctypes.util.find_library = find_library
    kept = read_kept(kept_at)
    found = kept.get("found") if kept is not None and kept.get("key") == key else None
    if isinstance(found, dict) and all(isinstance(p, str | None) for p in found.values()):
        for name in NAMES:
            if name not in found:
                skipped.add(name)
            answers[name].set_result(found.get(name))
        return None

    def search() -> None:
        searched: dict[str, str | None] = {}
        failed = False
        for names in LIBRARIES:
            for name in names:
                if any(searched.get(n) for n in names):
                    skipped.add(name)
                    answers[name].set_result(None)
                    continue
                try:
                    searched[name] = ask(name)
                except Exception as exc:  # raised where asyncssh asks, as it would have been
                    answers[name].set_exception(exc)
                    failed = True  # not kept: the next run searches again
                else:
                    answers[name].set_result(searched[name])
        if not failed:
            write_kept(kept_at, {"key": key, "found": searched})

    thread = threading.Thread(target=search, name="liboqs-lookup", daemon=True)
    thread.start()
    return thread


def search_key() -> list[str]:
    """What `find_library`'s answers come from, as text."""
    multiarch = getattr(sys.implementation, "_multiarch", "")
    places = ["/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib"]
    places += [f"/lib/{multiarch}", f"/usr/lib/{multiarch}"] if multiarch else []
    for variable in ("LD_LIBRARY_PATH", "LIBRARY_PATH"):
        places += [p for p in os.environ.get(variable, "").split(os.pathsep) if p]
    key = [sys.version, *(f"{v}={os.environ.get(v)}" for v in ENVIRONMENT)]
    for place in [LINKER_CACHE, *places]:
        try:
            info = os.stat(place)
        except OSError as exc:
            key.append(f"{place}: {exc.errno}")
        else:
            key.append(f"{place}: {info.st_ino} {info.st_size} {info.st_mtime_ns}")
    return key
