"""The command line's seventeen commands: each one's subparser, with its description, options
with their help, examples and exit codes (`build_parser` adds the one named, or all); those
that write or read a configuration are console/cli/configuration_commands.py's. Imports
nothing heavy, as the parser."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from console.cli import exit_codes
from console.cli.configuration_commands import CONFIGURATION_COMMANDS
from console.cli.exit_codes import folded
from console.cli.options import (
    PROG,
    Command,
    drill_options,
    inject_option,
    journal_arg,
    json_option,
    run_options,
    take_over_option,
    target_options,
    undo_param_options,
)

NOTE_EXIT_CODES = """\
exit status:
  0  the note was added
  2  bad usage, or another process writes the journal: nothing was written"""

DRILL_EXIT_CODES = folded("""\
exit status:
  0  every drill passed: outcome, trigger, recovery time and integrity as expected;
     --gate: each system has a passing drill within its before-deploy window;
     --status: nothing is OVERDUE
  1  a drill did not pass (the report says what did not match); the gate is closed;
     a cadence is OVERDUE
  2  bad usage or bad configuration: one line names the file, key or scenario
  3  refused: another incident holds the system""")
# console/journal/export's EXPORT_FORMATS, by name: kept here so that --help loads no
# exporter (tests/test_cli_surface.py holds the two equal).
FORMATS = ("json", "markdown", "node")


def file_mode(text: str) -> int:
    """An octal file mode such as 0644 (argparse type for --mode)."""
    try:
        mode = int(text, 8)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an octal mode such as 0600") from None
    if not 0 <= mode <= 0o777:
        raise argparse.ArgumentTypeError(f"{text!r} is not a file mode (0000 to 0777)")
    return mode


def port_number(text: str) -> int:
    """A TCP port to listen on, 1 to 65535 (argparse type for --port)."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1 to 65535)")
    return int(text)


def event_count(text: str) -> int:
    """How many events, 0 or more (argparse type for export --first)."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of events (0 or more)")
    return int(text)


# `command(name, summary, description, *examples, codes=...)`: a subparser added.


def _demo(command: Command) -> None:
    demo = command(
        "demo",
        "the console on the embedded demo fleet",
        "Start seven demo hosts as SSH servers on 127.0.0.1 and open the console on them:"
        " a real rollback over SSH with no hosts of your own.",
        f"{PROG} demo",
        f"{PROG} demo --inject refuse-auth:db-1 --inject slow:web-2",
    )
    inject_option(demo)


def _run(command: Command) -> None:
    run = command(
        "run",
        "the procedure headless: trigger, systems, strategy, every step",
        "Declare the trigger, select the systems, choose the strategy and walk the"
        " immediate actions and the rollback execution without the console; every event"
        " is printed and journalled. The exit status says whether the rollback was"
        " verified.",
        f"{PROG} run --demo --systems web --strategy version-rollback \\\n"
        "      --trigger user-impact --reason 'checkout errors' --yes",
        f"{PROG} run --systems db --strategy orders-pitr \\\n"
        "      --param recovery_target_time=2026-05-16T10:30:00Z \\\n"
        "      --trigger data-corruption --reason 'orders overwritten at 10:31' \\\n"
        "      --dry-run",
        f"{PROG} run --demo --systems web --strategy version-rollback \\\n"
        "      --trigger user-impact --reason 'checkout errors' --yes --json \\\n"
        "      | jq .verdict",
        codes=exit_codes.RUN,
    )
    run_options(run)


def _drill(command: Command) -> None:
    drill = command(
        "drill",
        "a drill: a scenario of drills.toml, the schedule, the pre-deployment gate",
        "Run a drill scenario of drills.toml (--scenario; none: the default scenario):"
        " inject its faults, fire its trigger, roll back, verify, and judge recovery time,"
        " data integrity and the outcome against what the scenario expects. Every drill is"
        " labelled DRILL everywhere (PagerDuty is never paged). --status shows the test"
        " schedule from past drills, --due runs what is due, --gate guards a deployment."
        " With --strategy, an ad-hoc drill as `run` takes it.",
        f"{PROG} drill --demo                      # its default scenario",
        f"{PROG} drill --list",
        f"{PROG} drill --scenario db-restore --json | jq .drills[0].findings",
        f"{PROG} drill --status --format markdown > drills.md",
        f"{PROG} drill --due",
        f"{PROG} drill --gate --systems web --run  # before deploying",
        f"{PROG} drill --demo --systems web --strategy version-rollback \\\n"
        "      --trigger user-impact --reason 'game day' --yes",
        codes=DRILL_EXIT_CODES,
    )
    drill_options(drill)


def _exec(command: Command) -> None:
    exec_ = command(
        "exec",
        "one command across hosts, journalled like a step",
        "Run COMMAND, exactly as typed, on every host of the systems (or the hosts named);"
        " output is prefixed by host; the run is journalled as an ad-hoc step of a new"
        " incident, or of --journal's.",
        f"{PROG} exec --systems web 'uptime'",
        f"{PROG} exec --systems web --hosts web-1,web-2 --dry-run \\\n"
        "      'systemctl restart app'",
        f"{PROG} exec --demo --systems db --json 'cat current' \\\n      | jq '.hosts[].status'",
        codes=exit_codes.EXEC,
    )
    target_options(exec_)
    exec_.add_argument(
        "--journal",
        metavar="JOURNAL",
        help="append to this incident's journal (its journal.jsonl, its directory, or its id)",
    )
    exec_.add_argument(
        "--accept-config-change",
        action="store_true",
        help="with --journal: send where inventory.toml or an Ansible inventory changed since"
        " the incident opened (a host's address, port, user or key), to the hosts as they are"
        " now; journalled (without it: exit 2, nothing sent)",
    )
    exec_.add_argument(
        "--dry-run",
        action="store_true",
        help="print where each host goes and the command as sent; connect to nothing",
    )
    take_over_option(exec_)
    json_option(exec_)
    exec_.add_argument("command_text", metavar="COMMAND", help="the shell command to run")


def _probe(command: Command) -> None:
    probe = command(
        "probe",
        "every probe's value and state, once",
        "Sample every probe of the configuration (or of --systems) once, over SSH and"
        " HTTP, and print each one's value, threshold and state.",
        f"{PROG} probe",
        f"{PROG} probe --demo --systems api --json",
        codes=exit_codes.PROBE,
    )
    probe.add_argument("--demo", action="store_true", help="probe the embedded demo fleet")
    probe.add_argument(
        "--systems", default="", metavar="S1,S2", help="comma-separated systems (default: all)"
    )
    inject_option(probe)
    json_option(probe)


def _resume(command: Command) -> None:
    resume = command(
        "resume",
        "reopen an incident after a crash or a closed terminal",
        "Reopen the incident in the console, from its journal, holding its systems' locks"
        " again (refused, exit 3, while another console holds them): hosts whose outcome"
        " was never recorded read 'unknown: verify before retrying'.",
        f"{PROG} resume \\\n      ~/.local/state/{PROG}/incidents/20261130-101500-ab12",
        codes=exit_codes.RESUME,
    )
    journal_arg(resume)
    resume.add_argument("--demo", action="store_true", help="the incident ran on the demo fleet")
    take_over_option(resume)
    resume.add_argument(
        "--take-command",
        metavar="REASON",
        help="a teammate's open incident whose console has ended: go on with it in a journal"
        " of this account's own (theirs copied whole, kept as it was); the hand-over and the"
        " reason are journalled",
    )


def _undo(command: Command) -> None:
    undo = command(
        "undo",
        "run a strategy step's undo on the hosts it touched",
        "Run the undo of the strategy that STEP ran, on the hosts it touched (or --hosts),"
        " journalled in that incident under its systems' locks: the way back when the"
        " rollback itself was the wrong move. Without --config, with the configuration the"
        " incident opened with (kept beside its journal); --param and --param-default give"
        " a parameter in place of the incident's. --dry-run shows each host's command first.",
        f"{PROG} undo JOURNAL restore --dry-run",
        f"{PROG} undo JOURNAL restore --hosts web-2 --yes",
        f"{PROG} undo JOURNAL restore --config DIR --param-default restart \\\n      --dry-run",
        codes=exit_codes.UNDO,
    )
    journal_arg(undo)
    undo.add_argument("step", metavar="STEP", help="the strategy step's id, e.g. restore")
    undo.add_argument("--hosts", default="", metavar="H1,H2", help="only these of its hosts")
    undo_param_options(undo)
    undo.add_argument("--yes", action="store_true", help="confirm: the undo changes hosts")
    undo.add_argument(
        "--discard-writes",
        action="store_true",
        help="confirm too that a restore's undo takes what was written since the restore out"
        " of the live database (kept aside, not merged back): asked where there is any",
    )
    undo.add_argument(
        "--dry-run", action="store_true", help="print each host's undo command; connect to nothing"
    )
    undo.add_argument("--demo", action="store_true", help="the incident ran on the demo fleet")
    take_over_option(undo)


def _verify(command: Command) -> None:
    verify = command(
        "verify",
        "verify the hosts an incident left unknown (V, without the console)",
        "Run the step's verify, as V would send it, on the hosts whose outcome an incident"
        " left unknown (or --hosts of them). Open (its run or console ended): in that"
        " incident, as V does; it stays open for resume (a retry, the steps left, the"
        " close). Closed: a new incident, which takes over the locks the close kept"
        " (--take-over-lock REASON once its console has quit) and lets go of them once"
        " every host answered; what it found is noted in the closed incident. Exit 0: the"
        " change was made on every host; 1: not on some; 4: some still unknown (their"
        " locks kept again).",
        f"{PROG} verify 20261130-101500-ab12 \\\n"
        "      --take-over-lock 'console gone, checking app-2'",
        f"{PROG} verify 20261130-101500-ab12 --dry-run",
        codes=exit_codes.VERIFY,
    )
    verify.add_argument(
        "incident", metavar="INCIDENT", help="the incident: its id, journal or directory"
    )
    verify.add_argument("--hosts", default="", metavar="H1,H2", help="only these of its hosts")
    verify.add_argument(
        "--dry-run", action="store_true", help="print each host's verify; connect to nothing"
    )
    verify.add_argument("--demo", action="store_true", help="the incident ran on the demo fleet")
    take_over_option(verify)


def _note(command: Command) -> None:
    note = command(
        "note",
        "add a note to an incident's timeline, from any shell",
        "Add a note to an incident's timeline and its document, as the console's n does"
        " (after the close: an amendment). A journal has one writer: while a console or a"
        " command writes it, the note is refused (exit 2), nothing written; n adds it there.",
        f"{PROG} note 20261130-101500-ab12 \\\n"
        "      'checkout errors back to baseline on the dashboard'",
        f"{PROG} note JOURNAL --step restore 'web-2 restarted by hand'",
        codes=NOTE_EXIT_CODES,
    )
    journal_arg(note)
    note.add_argument("text", nargs="+", metavar="TEXT", help="the note (words are joined)")
    note.add_argument("--step", metavar="STEP", help="the step it is about (its id)")
    note.add_argument("--demo", action="store_true", help="the incident ran on the demo fleet")


def _follow(command: Command) -> None:
    follow = command(
        "follow",
        "a read-only live view for a second responder",
        "Follow an incident another console is driving, live and read-only: nothing in"
        " this view can act on a host.",
        f"{PROG} follow /srv/rollback/incidents/20261130-101500-ab12",
        f"{PROG} follow --plain JOURNAL | grep FAILED",
    )
    journal_arg(follow)
    follow.add_argument("--plain", action="store_true", help="print events as lines, no TUI")


def _list(command: Command) -> None:
    listing = command(
        "list",
        "the incidents on this jump host, and whose each one is",
        "List the incidents of the journal directory (console.toml's journal_dir), newest"
        " first: each one's state and title, the account it belongs to, the process that"
        " writes it (running or ended, since when), the system locks that name it, and what"
        " this account may do with it (a teammate's is read-only: follow, export).",
        f"{PROG} list",
        f"{PROG} list --json | jq -r '.incidents[] | select(.open) | .owner'",
    )
    listing.add_argument("--demo", action="store_true", help="the demo fleet's incidents")
    listing.add_argument("--json", action="store_true", help="print one JSON document instead")


def _serve(command: Command) -> None:
    serve = command(
        "serve",
        "the read-only follow view in a browser",
        "Serve the follow view of JOURNAL to web browsers (textual-serve): each browser"
        " gets its own read-only view. Bound to 127.0.0.1: reach it through an SSH tunnel"
        " from your laptop, with the same port on both ends.",
        f"{PROG} serve JOURNAL --port 8000",
        "ssh -L 8000:127.0.0.1:8000 jump-host   # then open http://127.0.0.1:8000",
    )
    journal_arg(serve)
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default: %(default)s; 0.0.0.0 needs --public-url)",
    )
    serve.add_argument("--port", type=port_number, default=8000, help="port (default: %(default)s)")
    serve.add_argument(
        "--public-url",
        metavar="URL",
        help="the URL browsers use, if not http://HOST:PORT (e.g. a tunnel's other port)",
    )


def _export(command: Command) -> None:
    export = command(
        "export",
        "write the rollback document",
        "Render the rollback document from a journal; the same journal always gives the"
        " same bytes.",
        f"{PROG} export JOURNAL > rollback.md",
        f"{PROG} export JOURNAL --format json -o rollback.json",
        f"{PROG} export JOURNAL --starred-only",
        f"{PROG} export JOURNAL -o rollback.md --mode 0644  # readable by all",
    )
    journal_arg(export)
    export.add_argument(
        "--format",
        choices=FORMATS,
        default="markdown",
        help="document format (default: %(default)s)",
    )
    export.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write here (mode 0600) instead of stdout ('-': stdout)",
    )
    export.add_argument(
        "--mode",
        type=file_mode,
        default=0o600,
        metavar="OCTAL",
        help="the written file's mode (default 0600; e.g. 0644 lets others read it)",
    )
    export.add_argument(
        "--starred-only", action="store_true", help="only starred events in the timeline"
    )
    export.add_argument(
        "--first",
        type=event_count,
        metavar="N",
        help="the journal's first N events only: the document as it was when it held N"
        " (a live incident's journal grows while it is read)",
    )


# Every command, in the order --help lists them: each adds its subparser and options.
COMMANDS: dict[str, Callable[[Command], None]] = {
    "demo": _demo,
    "run": _run,
    "drill": _drill,
    "exec": _exec,
    "probe": _probe,
    "resume": _resume,
    "undo": _undo,
    "verify": _verify,
    "note": _note,
    "follow": _follow,
    "list": _list,
    "serve": _serve,
    "export": _export,
    **CONFIGURATION_COMMANDS,
}
