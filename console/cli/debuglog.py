"""`--log FILE`: a debug log of one run (SSH negotiation from asyncssh's logger, the
console's own timings), off by default. Every secret the configuration names is redacted
from it, as from the journal, and every control character in it is shown, never obeyed
(what a host or a webhook's receiver said reaches it: `tail -f` puts it on a terminal)."""

from __future__ import annotations

import argparse
import logging
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.journal.redact import Redactor
    from console.model.settings import Settings

FORMAT = "%(asctime)s.%(msecs)03d %(levelname)s %(name)s: %(message)s"
LOGGERS = ("asyncssh", "console")


class Redacting(logging.Filter):
    """Formats each record, masks what the redactor knows (set once settings load), then
    escapes its control characters (`\\x1b`), as the console's screens do."""

    def __init__(self):
        super().__init__()
        self.redactor: Redactor | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("asyncssh") and "  Command: " in str(record.msg):
            return False  # commands are in the journal, masked; a quoted secret could slip here
        from console.model.visible import visible

        message = record.getMessage()
        if record.exc_info or record.stack_info:  # a traceback: masked and shown as the rest
            # (its Formatter added it after the filter, raw: a worker's error with a webhook
            # URL or a host's escape sequences in its message reached the log as it was)
            shown = logging.Formatter()
            if record.exc_info:
                message += "\n" + shown.formatException(record.exc_info)
            if record.stack_info:
                message += "\n" + shown.formatStack(record.stack_info)
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        if self.redactor is not None:
            message = self.redactor.text(message)
        record.msg, record.args = visible(message), None
        return True


_filter: Redacting | None = None


def start_debug_log(path: str, args: argparse.Namespace) -> None:
    """Log at debug level to `path` (0600) until the process ends."""
    global _filter
    descriptor = _opened(path)
    handler = logging.StreamHandler(os.fdopen(descriptor, "a", encoding="utf-8"))
    handler.setFormatter(logging.Formatter(FORMAT, "%Y-%m-%dT%H:%M:%S"))
    _filter = Redacting()
    handler.addFilter(_filter)
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    # The command, not its arguments: a --param may hold a secret before settings load.
    logging.getLogger("console.cli").debug("rollback-console %s", args.command or "console")


def _opened(path: str) -> int:
    """`path` opened to append, this account's and 0600 whatever it was (an older log made
    0644); a path that cannot be is one line, exit 2. Never through a symbolic link, nor
    into another account's file, nor a device or a pipe (journal.files.open_own)."""
    from console.cli.parser import UsageError
    from console.journal.files import open_own

    try:
        return open_own(path, os.O_WRONLY | os.O_APPEND)
    except OSError as exc:
        raise UsageError(f"--log {path}: cannot write: {exc.strerror}") from None


def redact_with(settings: Settings) -> None:
    """From now on, mask the secrets `settings` names (called as the configuration loads):
    in this log, and in an internal error's line and report (console/guard.py)."""
    from console.guard import mask_reports_with
    from console.journal.redact import settings_redactor

    redactor = settings_redactor(settings)
    mask_reports_with(redactor.text)
    if _filter is not None:
        _filter.redactor = redactor
