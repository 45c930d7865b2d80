"""The console's terminal, and what becomes of the console when it is gone (the SSH
session to the jump host dropped, the terminal window closed, tmux killed).

Textual's Linux driver (8.2.8, pinned) writes from a thread of its own through a queue of
30 writes: a write to a terminal that is gone raises EIO, which ends that thread, and the
app then blocks for ever on the full queue, so the console could never record why it
stopped. Its input thread, reading EIO, makes the app panic (a traceback, the journal not
told). And the SIGCONT the kernel sends with a hangup's SIGHUP makes it start application
mode a second time (as after Ctrl+Z), a second input thread that nothing ever stops, so the
process could not exit. `TerminalDriver` drops output once the terminal refuses it, takes a
failed read for what it is, a hangup, and resumes only after a stop; `let_go` points the
process's standard streams away from a terminal that is gone, so that nothing more is
written to it (the summary line, a log record) and its input thread waits quietly until
the console quits."""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import IO, Any, cast

from textual.drivers.linux_driver import LinuxDriver

from console.guard import terminal_gone as gone  # the console's question too

log = logging.getLogger(__name__)

# The write end of the pipe that stands in for a terminal that is gone: held open, so
# that the read end is never readable (at its end of file, the input thread would spin).
_held: list[int] = []
WATCH_SECONDS = 1.0  # how often the console asks whether its terminal is still there


class _Output:
    """The driver's output file: a write the terminal refuses (EIO: it is gone) is
    dropped with everything after it, never raised into Textual's writer thread."""

    def __init__(self, file: IO[str]):
        self._file = file
        self.failed: OSError | None = None

    def write(self, text: str) -> None:
        if self.failed is None:
            try:
                self._file.write(text)
            except OSError as exc:
                self._fail(exc)

    def flush(self) -> None:
        if self.failed is None:
            try:
                self._file.flush()
            except OSError as exc:
                self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        self.failed = exc
        log.debug("the terminal refused output (%s): output dropped from now on", exc)

    def fileno(self) -> int:
        return self._file.fileno()

    def isatty(self) -> bool:
        return True


class TerminalDriver(LinuxDriver):
    """Textual's Linux driver, made to outlive its terminal until the console has quit."""

    def __init__(self, app: Any, **options: Any):
        super().__init__(app, **options)
        self._file = cast(Any, _Output(cast(IO[str], self._file)))

    def _sigcont_application(self, *_: object) -> None:
        """Resume after Ctrl+Z's stop, and only then: a hangup's SIGCONT is not one."""
        if self._must_signal_resume:
            super()._sigcont_application()

    def disable_input(self) -> None:
        _release_input()  # a read waiting on the stand-in for a terminal gone returns
        super().disable_input()

    def _run_input_thread(self) -> None:
        threading.Thread(target=self._watch, name="terminal-watch", daemon=True).start()
        try:
            self.run_input_thread()
        except OSError as exc:  # EIO: the terminal is gone (its hangup follows, or not)
            log.debug("the terminal's input ended (%s): taken as a hangup", exc)
            # The kernel sends SIGHUP only to the terminal's foreground: say it anyway,
            # so the console ends as when its terminal closes (SIGHUP ignored too: gone).
            os.kill(os.getpid(), signal.SIGHUP)

    def _watch(self) -> None:
        """A terminal that goes away without a hangup reaching the console, whose read
        then ends with no error (a console with no controlling terminal: started by `su
        - USER -c`, which makes a session of its own; walked): Textual's input thread
        read its end of file ten times a second for ever, the console held its journal
        and locks as running, and no teammate could take command. Once a second, until
        the console stops reading, whether the terminal is gone: then as a hangup."""
        while not self.exit_event.wait(WATCH_SECONDS):
            if gone():
                log.debug("the terminal is gone with no hangup sent: taken as one")
                os.kill(os.getpid(), signal.SIGHUP)
                return


def let_go() -> None:
    """Stop using a terminal that is gone: standard output and error go to /dev/null
    (Textual's last frames, the summary line, a log record are dropped, never an error),
    and standard input becomes a pipe that never has anything to read."""
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
    finally:
        os.close(null)
    read, write = os.pipe()
    os.dup2(read, 0)
    os.close(read)
    _held.append(write)


def _release_input() -> None:
    """The console quits: the stand-in for its terminal reads as ended."""
    while _held:
        os.close(_held.pop())
