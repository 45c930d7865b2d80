"""An error no check foresaw ends the console in one line, as it ends a command
(console/guard.py): what it was, and the file its traceback was saved to, masked as the
journal is. Textual would print the traceback on the terminal instead, each frame's local
variables with it (a notification channel's URL, a host's words), unmasked: seen at 80x24,
a crash filled the screen with a traceback and its locals above the console's last line."""

from __future__ import annotations

from rich.text import Text
from textual.app import App

from console.guard import internal_error_line, save_internal_error

_SAVED: list[tuple[BaseException, tuple[str, str]]] = []  # an error (or two) a process


def saved_crash(error: BaseException) -> tuple[str, str]:
    """What `error` was, in one line, and where its traceback was saved: once an error,
    whoever asks (the record's note, the terminal's line)."""
    for known, said in _SAVED:
        if known is error:
            return said
    _SAVED.append((error, save_internal_error(error)))
    return _SAVED[-1][1]


def end_in_one_line(app: App[int]) -> None:
    """Textual's `_fatal_error` (the app exits), its traceback replaced by the line."""
    error = app._exception
    line = internal_error_line(*saved_crash(error)) if error else "error: internal error"
    app.bell()
    app.error_console.soft_wrap = True  # the terminal wraps it: the path copies whole
    app._exit_renderables.append(Text(line))
    app._close_messages_no_wait()
