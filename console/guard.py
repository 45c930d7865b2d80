"""The command line's last line of defence: a closed pipe, a full disk and an unexpected error.

`rollback-console run --dry-run | head` closes stdout early: printing then stops
quietly, and a live rollback goes on (its journal is the record, not stdout). Output that
cannot be written otherwise (`exec ... > out` on a full disk) stops too, said once on
stderr, and the rollback goes on likewise. An error no check foresaw is one line naming it
and the file its traceback was saved to.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import stat
import sys
import termios
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any, TextIO


def _reader_gone(exc: OSError) -> bool:
    """A closed pipe, or a terminal hung up (EIO: the SSH session dropped)."""
    return isinstance(exc, BrokenPipeError) or exc.errno == errno.EIO


class PipeSafe:
    """A text stream that stops writing once it cannot: silently when its reader has gone
    (a pipe's reader closed it, or its terminal hung up), in one line on `said_to` when the
    write itself failed (a full disk: `failed`). It never raises: whatever printed to it,
    a host's output line in the middle of a step, goes on. A stream closed before the
    command started (`>&-`: Python's is None) fails at its first write; its descriptor is
    taken by /dev/null meanwhile, so that no file opened later (the journal) takes it."""

    def __init__(self, stream: TextIO | None, name: str = "stdout", said_to: Any = None):
        self._closed = stream is None
        self._stream = stream if stream is not None else open(os.devnull, "w")  # noqa: SIM115
        self._name = name
        self._said_to = said_to
        self.reader_gone = False
        self.failed: OSError | None = None
        self.then = ""  # what goes on without it, said after the failure

    def write(self, text: str) -> int:
        if self._closed and not self.reader_gone:
            self._stopped(OSError(errno.EBADF, "it was closed"))
        if not self.reader_gone:
            try:
                self._stream.write(text)
            except OSError as exc:
                self._stopped(exc)
        return len(text)

    def flush(self) -> None:
        if not self.reader_gone:
            try:
                self._stream.flush()
            except OSError as exc:
                self._stopped(exc)

    def _stopped(self, exc: OSError) -> None:
        self._gone()
        if _reader_gone(exc):
            return
        self.failed = exc
        if self._said_to is not None:
            why = exc.strerror or str(exc)
            with contextlib.suppress(Exception):
                self._said_to.write(
                    f"error: cannot write to {self._name}: {why}: nothing more is printed"
                    f" there{self.then}\n"
                )
                self._said_to.flush()

    def _gone(self) -> None:
        """Point the descriptor at /dev/null: what is still buffered, and the final
        flush at exit, go nowhere instead of raising again."""
        self.reader_gone = True
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def terminal_gone() -> bool:
    """Whether the controlling terminal is gone (hung up: EIO), as opposed to there
    (a `kill -HUP` or `kill -TERM` by hand) or never a terminal."""
    for stream in (sys.__stdin__, sys.__stderr__):
        if stream is None:
            continue
        try:
            termios.tcgetattr(stream.fileno())
        except termios.error as exc:
            if exc.args and exc.args[0] == errno.EIO:
                return True
        except (OSError, ValueError):
            continue
    return False


def reader_gone() -> bool:
    """True once stdout's reader has closed it: a command that only prints may stop. A
    pipe says so (POLLERR) even before the next write fails."""
    if getattr(sys.stdout, "reader_gone", False):
        return True
    try:
        descriptor = sys.stdout.fileno()
        if not stat.S_ISFIFO(os.fstat(descriptor).st_mode):
            return False
        poller = select.poll()
        poller.register(descriptor, 0)  # errors and hang-ups are always reported
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


@contextlib.contextmanager
def pipe_safe_output() -> Iterator[PipeSafe]:
    """stdout and stderr stop when they cannot be written, for this command (stdout's
    failure said on stderr); yields stdout's."""
    saved = sys.stdout, sys.stderr
    sys.stderr = PipeSafe(saved[1], "stderr")
    sys.stdout = out = PipeSafe(saved[0], "stdout", said_to=sys.stderr)
    try:
        yield out
    finally:
        sys.stdout, sys.stderr = saved


# What masks the secrets the configuration names, once it is loaded (cli/debuglog.py).
_mask: list[Callable[[str], str]] = []


def mask_reports_with(mask: Callable[[str], str]) -> None:
    """From now on, an internal error's line and its saved report are masked by `mask`."""
    _mask[:] = [mask]


def _masked(text: str) -> str:
    return _mask[0](text) if _mask else text


def _command_line(argv: list[str]) -> str:
    """The command as run, each `--param` value masked: one may be a secret, and the
    configuration that says which may not be loaded yet."""
    from console.journal.redact import MASK

    shown = []
    for before, arg in zip(["", *argv], argv, strict=False):
        given = arg.removeprefix("--param=") if before != "--param" else arg
        if before == "--param" or given != arg:
            name, eq, _ = given.partition("=")
            arg = arg[: len(arg) - len(given)] + (f"{name}={MASK}" if eq else given)
        shown.append(arg)
    return _masked(" ".join(shown))


def save_internal_error(exc: BaseException) -> tuple[str, str]:
    """An error the program did not foresee, in one line (`NoMatches: ...`), and where its
    traceback was saved, under the state dir (else the traceback itself and why it could
    not be, to print). Both are masked as the journal is: the file is one to send with a
    bug report."""
    from console.paths import state_dir

    details = _masked("".join(traceback.format_exception(exc)))
    what = _masked(f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:200])
    try:
        directory = state_dir() / "crashes"
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = directory / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.txt"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(f"rollback-console {_command_line(sys.argv[1:])}\n\n{details}")
    except OSError as error:
        return what, f"{details}(could not save it: {error})"
    return what, str(path)


def report_internal_error(exc: BaseException) -> str:
    """One line for an error the program did not foresee, naming the file its traceback
    was saved to (`save_internal_error`)."""
    return internal_error_line(*save_internal_error(exc))


def internal_error_line(what: str, saved: str) -> str:
    """`report_internal_error`'s line, of what `save_internal_error` gave."""
    if "\n" in saved:  # not saved: the traceback itself
        return f"error: internal error: {what}\n{saved}"
    return (
        f"error: internal error: {what} (a bug: please report it with {saved};"
        " the journal, if any, holds what was done)"
    )
