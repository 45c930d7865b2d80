"""Options several commands share (targets, --json, --inject, --take-over-lock, a journal)
and the options of `run` and `drill`. Imports nothing heavy, as the parser."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from console.model.outcome import CHOSEN
from console.model.triggers import AUTOMATIC, MANUAL, TriggerKind

PROG = "rollback-console"
# Adds a command's subparser: (name, summary, description, *examples, codes=...).
Command = Callable[..., argparse.ArgumentParser]
TRIGGERS = ("auto", *(k.value for k in TriggerKind))
# console.model.procedure's FormField, by name (that module loads pydantic)
FORM_FIELDS = (
    "reason",
    "severity",
    "impact_users",
    "impact_start",
    "impact_end",
    "business_impact",
    "root_cause",
    "remediation",
    "action_items",
    "procedure_updates",
    "went_well",
    "went_wrong",
    "got_lucky",
    "lessons",
    "retry_schedule",
    "retry_owner",
)


def journal_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "journal", metavar="JOURNAL", help="an incident's journal.jsonl, its directory, or its id"
    )


def json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document (verdict, per-host results, journal path) instead",
    )


def inject_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--inject",
        action="append",
        default=[],
        metavar="KIND:HOST",
        help="demo fault injection (unreachable, refuse-auth, hang, slow, drop, fail, ...)",
    )


def target_options(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument("--demo", action="store_true", help="run against the embedded demo fleet")
    parser.add_argument(
        "--systems",
        required=required,
        default="",
        metavar="S1,S2",
        help="comma-separated systems",
    )
    parser.add_argument(
        "--hosts", default="", metavar="H1,H2", help="comma-separated hosts within those systems"
    )
    parser.add_argument(
        "--accept-host-key",
        action="append",
        default=[],
        metavar="HOST=SHA256:...",
        help="trust HOST's unknown key (or its jump host's) if it is exactly this"
        " fingerprint (repeatable); journalled",
    )
    inject_option(parser)


def take_over_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--take-over-lock",
        metavar="REASON",
        type=_reason,
        help="take over a stale system lock (its process is gone; a live holder's, never);"
        " the reason is journalled",
    )


def drill_options(drill: argparse.ArgumentParser) -> None:
    mode = drill.add_mutually_exclusive_group()
    mode.add_argument("--scenario", metavar="NAME", help="run this scenario of drills.toml")
    mode.add_argument("--list", action="store_true", help="list the scenarios and the schedule")
    mode.add_argument(
        "--status",
        action="store_true",
        help="per system and cadence: last drill, result, recovery, next due, DUE/OVERDUE"
        " (exit 1 if any is OVERDUE)",
    )
    mode.add_argument("--due", action="store_true", help="run every scenario that is due")
    mode.add_argument(
        "--gate",
        action="store_true",
        help="exit 0 only if each of --systems has a passing drill within its before-deploy window",
    )
    drill.add_argument(
        "--run", action="store_true", help="with --gate: run the missing before-deploy drills"
    )
    drill.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        help="with --status (default: text; --json is the same as --format json)",
    )
    run_options(drill, required=False)


def run_options(run: argparse.ArgumentParser, required: bool = True) -> None:
    target_options(run, required)
    run.add_argument(
        "--strategy",
        metavar="NAME",
        help="the rollback strategy (default: the only one that applies to every system named,"
        " as the console's picker chooses it)",
    )
    run.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a strategy parameter (repeatable); checked against its type before anything runs",
    )
    run.add_argument(
        "--param-env",
        action="append",
        default=[],
        metavar="NAME=VARIABLE",
        help="a strategy parameter whose value is this environment variable's (repeatable):"
        " a secret (a token) kept out of the command line, which every account here can"
        " read (ps); the value is masked in every record, as [redact] env masks it",
    )
    automatic = ", ".join(k.value for k in TriggerKind if k in AUTOMATIC)
    manual = ", ".join(k.value for k in MANUAL)
    run.add_argument(
        "--trigger",
        required=required,
        choices=TRIGGERS,
        metavar="KIND",
        help=f"the trigger kind; automatic: {automatic}; manual: {manual}; named by hand,"
        " either needs --reason; or auto: the automatic trigger firing now, with its evidence",
    )
    run.add_argument("--reason", default="", help="why: required unless --trigger auto")
    run.add_argument(
        "--title", default="", help="the incident's title (default: trigger on systems)"
    )
    run.add_argument(
        "--yes",
        action="store_true",
        help="confirm manual steps and steps that change hosts (recorded as --yes (headless));"
        " a dry run needs none",
    )
    run.add_argument(
        "--commander", default="", help="who is in charge (default: user@client address)"
    )
    run.add_argument(
        "--form",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help=f"a post-rollback field ({', '.join(FORM_FIELDS)}); repeatable",
    )
    run.add_argument(
        "--form-file", metavar="FILE.toml", help='post-rollback fields as TOML: field = "text"'
    )
    run.add_argument(
        "--outcome",
        metavar="OUTCOME[:DETAIL]",
        help="close with it if the record agrees: "
        + ", ".join(o.value for o in CHOSEN)
        + " (DETAIL: the reason, the hosts left, or whom it was handed to)",
    )
    run.add_argument("--journal", metavar="PATH", help="journal file or incident directory")
    run.add_argument(
        "--dry-run", action="store_true", help="print every command per host; connect to nothing"
    )
    take_over_option(run)
    run.add_argument("--quiet", action="store_true", help="print no event lines, only the verdict")
    json_option(run)


def _reason(text: str) -> str:
    """A take-over's reason, journalled with it: `--take-over-lock=` (an unset variable in
    a script) was taken as no take-over at all."""
    if not text.strip():
        raise argparse.ArgumentTypeError("needs a reason, journalled with the take-over")
    return text


def undo_param_options(undo: argparse.ArgumentParser) -> None:
    """An undo's parameters: the incident's, but those given for it."""
    undo.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter's value for this undo, in place of the one the incident chose"
        " (repeatable); --dry-run shows both, and the undo notes it in the incident",
    )
    undo.add_argument(
        "--param-env",
        action="append",
        default=[],
        metavar="NAME=VARIABLE",
        help="as --param, the value read from this environment variable (a secret kept out"
        " of the command line), masked in every record",
    )
    undo.add_argument(
        "--param-default",
        action="append",
        default=[],
        metavar="NAME",
        help="the parameter's default as the configuration gives it (with --config: the"
        " files as they are now), in place of the value the incident chose: a restart"
        " command fixed in strategies.toml since (repeatable)",
    )
