"""The look-ahead for asyncssh's libraries answers as find_library itself would."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from console.cli.liboqs import NAMES, look_ahead


def test_the_look_ahead_answers_as_find_library_does(monkeypatch: pytest.MonkeyPatch) -> None:
    ask = ctypes.util.find_library
    monkeypatch.setattr(ctypes.util, "find_library", ask)  # put back after the test
    monkeypatch.delitem(sys.modules, "asyncssh", raising=False)  # as before asyncssh loads
    look_ahead()
    assert ctypes.util.find_library is not ask
    for name in (*NAMES, "c"):  # the looked-ahead names, and one it passes on
        assert _outcome(ctypes.util.find_library, name) == _outcome(ask, name)


def _outcome(find: Callable[[str], str | None], name: str) -> object:
    """What `find` gives for `name`: the path, or the class of what it raised (here gcc's
    fallback raises FileNotFoundError for a name such as libnettle)."""
    try:
        return find(name)
    except Exception as exc:
        return type(exc)


def test_no_look_ahead_once_asyncssh_has_looked(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncssh  # noqa: F401  (it asks find_library when imported)

    ask = ctypes.util.find_library
    monkeypatch.setattr(ctypes.util, "find_library", ask)
    look_ahead()
    assert ctypes.util.find_library is ask


def test_the_answers_are_kept_and_searched_again_when_a_library_directory_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """exec's start-up ran 7 processes (ldconfig, gcc, ld) to find, every time, that
    liboqs is not there: a second run now takes the answers kept and starts none; a
    library directory that changes (LD_LIBRARY_PATH's, here) has it search again."""
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(tmp_path))
    monkeypatch.setenv("LD_LIBRARY_PATH", str(libraries := tmp_path / "lib"))
    libraries.mkdir()
    ask = ctypes.util.find_library
    monkeypatch.setattr(ctypes.util, "find_library", ask)
    monkeypatch.delitem(sys.modules, "asyncssh", raising=False)
    started: list[str] = []
    real = subprocess.Popen

    class Counted(real):  # type: ignore[misc, valid-type]
        def __init__(self, args, *rest, **options):
            started.append(Path(args[0]).name)
            super().__init__(args, *rest, **options)

    monkeypatch.setattr(subprocess, "Popen", Counted)

    def answers() -> dict[str, object]:
        ctypes.util.find_library = ask
        searching = look_ahead()
        found = {name: _outcome(ctypes.util.find_library, name) for name in ("oqs", "liboqs")}
        if searching is not None:
            searching.join()
        return found

    first = answers()
    assert "ldconfig" in started and first == {n: _outcome(ask, n) for n in first}
    started.clear()
    assert answers() == first and started == []
    (libraries / "libother.so").write_bytes(b"")
    assert answers() == first and "ldconfig" in started
