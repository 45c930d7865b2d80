"""The look-ahead for asyncssh's libraries answers as find_library itself would."""

from __future__ import annotations

import ctypes.util
import sys
from collections.abc import Callable

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
