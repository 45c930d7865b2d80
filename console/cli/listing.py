"""`rollback-console list`: the incidents of the journal directory, headless, each with
whose it is, which process writes it (running or ended), the locks that name it, and
what this account may do with it."""

from __future__ import annotations

import argparse
import json
import sys

from console.cli.common import load
from console.cli.parser import EXIT_OK


def list_incidents_command(args: argparse.Namespace) -> int:
    from console.engine.listing import list_incidents
    from console.journal.lock import SystemLocks
    from console.model.visible import visible
    from console.paths import incidents_dir, locks_dir

    settings = load(args, demo=args.demo)
    root = incidents_dir(args.demo, settings.console.journal_dir)
    unlisted: list[str] = []
    found = list_incidents(root, SystemLocks(locks_dir(settings, args.demo)), unlisted)
    for line in unlisted:
        print(f"warning: {visible(line)}", file=sys.stderr)
    if args.json:
        print(json.dumps({"journal_dir": str(root), "incidents": [_record(s) for s in found]}))
        return EXIT_OK
    if not found:
        print(f"no incidents in {root}")
    for summary in found:
        print("\n".join(_lines(summary)))
    return EXIT_OK


def _state(summary) -> tuple[str, str]:
    """`rolled back and verified`, or `open`; `..., an undo refused since` (how the undo of
    a strategy step went since, as the home screen says it); a closed drill's verdict first (`DRILL
    FAILED; rolled back and verified`: its recovery missed the target). Then the rest of
    its label, for a line of its own (seen: a reason of 190 characters between the id and
    the title, on a jump host's 80 columns)."""
    if summary.outcome is None:
        return "open", ""
    said, why = _split(summary.outcome_label or summary.outcome, summary.outcome)
    if summary.undo:  # as the home screen's list says it: the list said nothing of it
        from console.model.undo_went import SINCE

        said = f"{said}, {SINCE[summary.undo]}"
    if summary.drill:
        said = f"{'DRILL FAILED' if summary.drill_failed else 'drill passed'}; {said}"
    return said, why


def _split(label: str, outcome: str) -> tuple[str, str]:
    """The outcome's title, and what its label says after it (`“Verify system stability”
    failed (...)`, `not rolled back: web-2`), or the label whole."""
    from console.model.outcome import Outcome, done_word, titled

    try:
        title = titled(Outcome(outcome), done_word(label))
    except ValueError:
        return label, ""
    if not label.startswith(title) or label == title:
        return label, ""
    return title, label[len(title) :].lstrip(":; ")


def _lines(summary) -> list[str]:
    """The incident's line, then its custody's, indented."""
    from console.model.visible import visible

    title = visible(summary.title)  # what a journal holds is shown, never obeyed
    if summary.drill:  # as the home screen lists it; a scenario's says "Drill" already
        title = "DRILL " + title.removeprefix("Drill ")
    state, why = _state(summary)
    lines = [f"{summary.incident_id}  {state}  {title}", *([f"  {why}"] if why else [])]
    lines += [f"  fault NOT undone: {fault}" for fault in summary.not_undone]  # still in place
    custody, closed = summary.custody, summary.outcome is not None
    if custody is not None:
        lines.append(f"  {custody.whose(closed)}")
        lines += [
            f"  {said}." for said in [custody.handed_line(summary.handed_over, closed)] if said
        ]
        lines += [f"  {line}" for line in custody.lock_lines()]
    if summary.ended:  # open, nobody drives it: said plainly, with when it last moved
        lines.append(f"  Left open: {summary.ended}.")
    if custody is not None and not closed:
        lines.append(f"  {custody.can(summary.incident_id, closed)}")
    return [visible(line) if i else line for i, line in enumerate(lines)]


def _record(summary) -> dict[str, object]:
    custody = summary.custody
    writer = custody.writer if custody else None
    return {
        "incident": summary.incident_id,
        "journal": str(summary.path),
        "title": summary.title,
        "state": _state(summary),
        "open": summary.outcome is None,
        "drill": summary.drill,
        "drill_failed": summary.drill_failed,
        "opened_at": summary.opened_at.isoformat() if summary.opened_at else None,
        "closed_at": summary.closed_at.isoformat() if summary.closed_at else None,
        "owner": custody.owner if custody else None,
        "mine": custody.mine if custody else True,
        "writer": writer._asdict() if writer else None,
        "left_open": summary.ended,
        "undo": summary.undo or None,
        "handed_over": summary.handed_over or None,
        "not_undone": list(summary.not_undone),
        "locks": [
            {
                "system": system,
                "incident": lock.incident,
                "pid": lock.pid,
                "user": lock.user,
                "host": lock.host,
                "since": lock.started,
                "running": lock.alive(),
            }
            for system, lock in (custody.locks if custody else ())
        ],
        "may": custody.can(summary.incident_id, summary.outcome is not None) if custody else "",
    }
