"""The command line: parse the arguments, then import and start only what the command needs
(`--version` and `--help` load neither textual, asyncssh nor pydantic)."""

from __future__ import annotations

import argparse
import gc
import sys
from importlib import import_module

from console.cli.parser import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    UsageError,
    build_parser,
)
from console.guard import PipeSafe, pipe_safe_output

# Each command's handler, imported only when that command runs.
HANDLERS = {
    None: "console_app:tui",
    "demo": "console_app:demo",
    "resume": "console_app:resume",
    "undo": "undo:undo",
    "verify": "verify:verify",
    "note": "note:note",
    "follow": "console_app:follow",
    "list": "listing:list_incidents_command",
    "serve": "serve:serve",
    "run": "runs:run",
    "drill": "drills:drill",
    "exec": "runs:exec_",
    "probe": "runs:probe",
    "export": "export:export",
    "check-config": "check_config:check_config",
    "init": "configuration:init",
    "import-ansible": "configuration:import_ansible",
    "schema": "configuration:schema",
    "completion": "completion:script",
}


# The commands that may write an incident's journal.
WRITERS = {None, "demo", "resume", "undo", "verify", "note", "run", "drill", "exec"}


# Headless runs: their journal closed and fsync'd, their loop too, when their handler
# returns (see main's `exits`).
PARKED_AT_EXIT = {"exec", "run", "drill", "probe", "verify"}


def main(argv: list[str] | None = None) -> int:
    """`argv` None: the process's own command line, which it exits with once this returns
    (`rollback-console`, `python -m console`)."""
    exits = argv is None
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["__complete"]:  # the shells' callback: as fast as can be
        from console.cli.completion import complete

        return complete(argv[1:])
    with pipe_safe_output() as out:  # `... | head`: printing stops quietly, a live run goes on
        ended = _main(argv, exits, out)
    if out.failed is not None and ended == 0 and not out.then:
        return EXIT_FAILED  # what it printed was all it did, and it was not all written
    return ended


def _main(argv: list[str], exits: bool = False, out: PipeSafe | None = None) -> int:
    from console.cli.open_files import raise_open_files
    from console.model.invocation import repeat_config

    raise_open_files()
    repeat_config(None)  # until the loader says which configuration (in-process callers)
    try:
        try:
            args, extra = build_parser(argv).parse_known_args(argv)
        except SystemExit as done:  # --help, --version: printed, and exit as argparse says,
            # through main (stdout not written, a full disk: 1, not 0)
            return done.code if isinstance(done.code, int) else EXIT_OK
        if extra:  # named with its command: argparse said "rollback-console: ..."
            where = " ".join(filter(None, ("rollback-console", args.command)))
            said = f"{where}: unrecognized arguments: {' '.join(extra)}"
            if args.command == "exec" and not all(a.startswith("--") for a in extra):
                said += " (the command is one argument: quote it, as in 'ls -la')"
            raise UsageError(said)
        if args.log:
            from console.cli.debuglog import start_debug_log

            start_debug_log(args.log, args)
        if args.command in WRITERS:  # a second writer's refusal names this process
            if out is not None and _journals(args):
                # its journal is the record: stdout failing stops nothing
                out.then = "; the command goes on, and its incident's journal keeps every line"
            from console.journal.journal_lock import PROGRAM

            PROGRAM[0] = " ".join(filter(None, ("rollback-console", args.command)))
        module, _, name = HANDLERS[args.command].partition(":")
        ended: int = getattr(import_module(f"console.cli.{module}"), name)(args)
        if exits and args.command in PARKED_AT_EXIT:
            # The process exits next: the interpreter's collection at exit would scan
            # every object left (the journal's events, each host's records) only to free
            # what the exit frees anyway; parked, it scans none (a whole exec on 200 real
            # hosts: 17 M instructions, issue 18). atexit's handlers still run (the debug
            # log's flush); nothing the run promised waits on it.
            gc.freeze()
        return ended
    except UsageError as exc:
        from console.model.visible import visible

        print(f"error: {visible(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # the last line of defence: one line, never a traceback
        code = _reported(exc)
        if code is None:
            from console.guard import report_internal_error

            print(report_internal_error(exc), file=sys.stderr)
            return EXIT_FAILED
        return code


def _journals(args: argparse.Namespace) -> bool:
    """Whether this writer's run is recorded in a journal, which its output only mirrors:
    not a dry run, nor drill's schedule (`--list`, `--status`) or its gate alone, whose
    output is all they do (seen: `drill --list > full-disk` exited 0, saying a journal
    kept every line)."""
    if getattr(args, "dry_run", False):
        return False
    if args.command == "drill":
        return not (args.list or args.status or (args.gate and not args.run))
    return True


def _reported(exc: Exception) -> int | None:
    """A known error printed as its line(s) with its exit status; None for a bug. Its
    classes are imported here, after the command already loaded them."""
    from console.engine.errors import HostRefused, LockRefused, ProcedureError
    from console.journal.files import JournalError, JournalWriteFailed
    from console.model.invocation import again
    from console.model.problems import ConfigError
    from console.model.visible import visible
    from console.paths import ConfigNotYours

    if isinstance(exc, LockRefused):  # nothing was recorded or sent
        print(exc.said(), file=sys.stderr)
        return EXIT_REFUSED
    if isinstance(exc, ConfigNotYours):  # nothing read from it, nothing sent
        print(f"error: {visible(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(exc, ConfigError):
        for problem in exc.problems:
            print(f"error: {visible(str(problem))}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(exc, JournalWriteFailed):  # not a bug: the record stops, nothing is sent
        incident = exc.path.parent
        print(
            f"error: the journal stopped: {visible(str(exc))}; nothing more was sent to any"
            " host, and a host whose command was sent with no outcome on record reads unknown:"
            f" free the space, then {again(f'resume {visible(str(incident))}')}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    if isinstance(exc, HostRefused):  # a host, once dialled: on record, as a host failure
        print(f"error: {visible(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
    if isinstance(exc, JournalError | ProcedureError):  # may quote a host or a journal's bytes
        print(f"error: {visible(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    return None
