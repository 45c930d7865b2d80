"""Drills as words: one drill's report (from its `drill.judged` verdict), and the test
schedule as a table, in text, Markdown or JSON. What the CLI prints and the console shows."""

from __future__ import annotations

import textwrap
from datetime import datetime
from typing import Any

from console.journal.export.inert import cell
from console.journal.times import duration, minutes, timed_said
from console.model.drill_schedule import MAX_MISSED, Standing, SystemCadence
from console.model.drills import DrillOutcome
from console.model.visible import visible

OK, BAD = "✔", "✘"
STATUS_COLUMNS = (
    "system",
    "cadence",
    "scenario",
    "last drill",
    "result",
    "recovery",
    "next due",
    "state",
)


def _mark(ok: bool) -> str:
    return OK if ok else BAD


def _outcome(value: str) -> str:
    try:
        return DrillOutcome(value).title
    except ValueError:
        return value


def _summary(data: dict[str, Any] | None) -> str:
    if not data:
        return "none"
    rows = " ".join(f"{t}={n}" for t, n in sorted(data.get("rows", {}).items()))
    checksum = f"checksum {str(data['checksum'])[:12]} " if data.get("checksum") else ""
    return (checksum + rows).strip() or "empty"


def _data_said(entry: dict[str, Any], after: str | None) -> str:
    """One host's data verdict and what it was judged against: its baseline (`after =
    "baseline"`), else what the strategy expected, the baseline beside it (a recovery
    changes the data on purpose: a match there is not the baseline kept)."""
    checked: dict[str, Any] = entry.get("after") or {}
    verdict = checked.get("verdict", "missing")
    baseline, now = _summary(entry.get("baseline")), _summary(checked or None)
    if verdict == "missing" and not (checked.get("checksum") or checked.get("rows")):
        now = "not read"  # nothing measured: not data found empty
    if after != "strategy":
        seen = f"unchanged, {baseline}" if baseline == now else f"baseline {baseline}; after {now}"
        return f"{verdict} ({seen})"
    expected = _summary(checked.get("expected")) if checked.get("expected") else None
    if not checked and (why := entry.get("unjudged", "")) != "no record after the drill" and why:
        verdict, judged = "not judged", why  # what happened: the rollback never ran there...
    elif not checked:
        judged = "no record after"
    elif expected == now or (
        expected is None and verdict == "match"
    ):  # None: judged before it was kept
        judged = f"after = the strategy's expected, {now}"
    elif expected:
        judged = f"after {now}, the strategy expected {expected}"
    else:
        judged = f"after {now}, nothing expected of it"
    check = entry.get("check")
    if check is None:
        return f"{verdict}: {judged} (baseline before the drill: {baseline})"
    ours = _summary(check)
    seen = f"unchanged, {ours}" if ours == baseline else f"baseline {baseline}; after {ours}"
    return f"{verdict}: {judged} (the drill's own check: {seen})"


def report_lines(verdict: dict[str, Any]) -> list[str]:
    """The drill report: faults, trigger, outcome, recovery and integrity, each against
    what the scenario expected, then what did not match."""
    passed = verdict.get("passed")
    lines = [f"DRILL {verdict.get('scenario')}: {'PASSED' if passed else 'FAILED'}"]
    for fault in verdict.get("faults", []):
        undone = fault.get("undone")
        after = (
            "not undone"
            if undone is None
            # undone, or where it was in place (the undo not sent where it never was: said)
            else (
                undone.get("detail") or "undone"
                if undone.get("ok")
                else f"NOT undone: {undone.get('detail')}"
            )
        )
        lines.append(f"  fault      {_fault_set(fault)}; {after}")
    trigger = verdict.get("trigger", {})
    how = "fired from its probe" if trigger.get("detected") else "declared"
    actual = f"{trigger['actual']} ({how})" if trigger.get("actual") else "– (none declared)"
    lines.append(
        f"  trigger    expected {trigger.get('expected')} · actual {actual}"
        f" {_mark(bool(trigger.get('ok')))}"
    )
    same = verdict.get("expected") == verdict.get("outcome")
    lines.append(
        f"  outcome    expected {_outcome(verdict.get('expected', ''))}"
        f" · actual {_outcome(verdict.get('outcome', ''))} {_mark(same)}"
    )
    for system, r in verdict.get("recovery", {}).items():
        target = (
            f"target {minutes(r['target_minutes'])}" if r.get("target_minutes") else "no target"
        )
        since = "the injected fault" if r.get("from") == "fault" else "the trigger"
        took = f"{duration(r['seconds'])} from {since}" if r.get("seconds") is not None else "–"
        lines.append(
            f"  recovery   {system}: {took}, {target}: {r.get('verdict')} {_mark(bool(r.get('ok')))}"
        )
        if timed := timed_said(r.get("clock"), r.get("wall_step")):
            lines.append(f"  recovery   {system}: {timed}")  # its own line, its label
    integrity = verdict.get("integrity", {})
    for host, said in integrity.get("restored", {}).items():  # the point it went back to
        lines.append(f"  restored   {host}: {visible(said, one_line=True)}")
    for host, entry in integrity.get("hosts", {}).items():
        lines.append(f"  integrity  {host}: {_data_said(entry, integrity.get('after'))}")
    if not integrity.get("records") and not integrity.get("after"):  # nothing was checked
        lines.append(
            "  integrity  not checked: the scenario has no integrity command and the"
            " strategy recorded none"
        )
    else:
        # a host whose after nothing was expected of is recorded, not judged: said, lest
        # "0 mismatch(es) ✔" read as its data checked
        # (the strategy's own records too: a restore with no scenario integrity command)
        hosts = integrity.get("hosts", {}).items()
        unjudged = list(
            dict.fromkeys(
                [h for h, entry in hosts if (entry.get("after") or {}).get("verdict") == "recorded"]
                + list(integrity.get("not_judged", []))
            )
        )
        said = (
            f"; {', '.join(unjudged)} recorded, not judged (nothing was expected of its data after)"
            if unjudged
            else ""
        )
        # a record missing (a host unreachable, nothing read) is no mismatch: said apart
        missing = integrity.get("missing", 0)
        differ = integrity.get("mismatches", 0) - missing
        unread = f", {missing} missing (not read)" if missing else ""
        if no_baseline := integrity.get("no_baseline"):  # the stage could not be set
            unread += f", no baseline from {', '.join(no_baseline)} (not read)"
        if none_after := [h for h, entry in hosts if entry.get("unjudged")]:  # not "0 ... ✘"
            unread += f", not judged on {', '.join(none_after)}"
        lines.append(
            f"  integrity  {integrity.get('records', 0)} record(s), {differ} mismatch(es)"
            f"{unread}{said} {_mark(bool(integrity.get('ok')))}"
        )
    for entry in verdict.get("unknown", []):  # whatever the verdict: not to be missed
        lines.append(
            f"  unknown    {entry.get('host')} (step {entry.get('step')}): outcome unknown,"
            f" {entry.get('why')}; a change may still run there {BAD}"
        )
    for entry in verdict.get("left", []):  # the procedure's changes: no fault undoes them
        hosts = ", ".join(entry.get("hosts", []))
        lines.append(
            f"  left       {entry.get('title')} ran on {hosts}: the drill does not undo the"
            " procedure's own steps"
        )
    for line in verdict.get("undelivered", []):  # not a finding: a channel's warning
        lines.append(f"  notified   {line}")
    for finding in verdict.get("findings", []):
        lines.append(f"  ✘ {finding}")
    return lines


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "–"


def status_rows(status: list[SystemCadence]) -> list[dict[str, Any]]:
    """One row per system and cadence, as `drill --status --json` prints it."""
    rows = []
    for s in status:
        last, recovery = s.last, s.recovery
        rows.append(
            {
                "system": s.system,
                "cadence": s.cadence,
                "scenario": s.entry.scenario,
                "last_drill": last.at.isoformat() if last else None,
                "result": ("passed" if last.passed else "failed") if last else None,
                "outcome": last.outcome if last else None,
                "recovery_seconds": recovery.seconds if recovery else None,
                "recovery_target_minutes": recovery.target_minutes if recovery else None,
                "next_due": s.next_due.isoformat() if s.next_due else None,
                "standing": s.standing.value,
                "missed": [f"{m:%Y-%m-%d}" for m in s.missed],
                "journal": last.journal if last else None,
            }
        )
    return rows


def _row_cells(s: SystemCadence, now: datetime) -> list[str]:
    last, recovery = s.last, s.recovery
    result = ("passed" if last.passed else "FAILED") if last else "never drilled"
    took = "–"
    if recovery is not None and recovery.seconds is not None:
        target = recovery.target_minutes
        took = duration(recovery.seconds) + (f" / {minutes(target)}" if target else "")
    due = _when(s.next_due) if s.next_due else "now"
    at = _when(last.at if last else None)
    state = s.standing.value + (f", {len(s.missed)} missed" if s.missed else "")
    return [s.system, s.cadence, s.entry.scenario, at, result, took, due, state]


def missed_said(s: SystemCadence) -> str | None:
    """`missed: web monthly (day 1) (web-release): it fell due 2026-10-01 and 2026-11-01
    and no drill passed since ...: one drill is due now, for 2026-12-01, ...`; None when no
    date was missed."""
    if not s.missed:
        return None
    dates = [f"{m:%Y-%m-%d}" for m in s.missed]
    if len(dates) > 3:  # a short cadence off for long: the first, the last, how many
        listed = f"{len(dates)} times, from {dates[0]} to {dates[-1]},"
        if len(dates) >= MAX_MISSED:  # counted no further
            listed = f"at least {len(dates)} times since {dates[0]},"
    else:
        listed = ", ".join(dates[:-1]) + f" and {dates[-1]}" if len(dates) > 1 else dates[0]
    passed = f"{s.last_passed.at:%Y-%m-%d}" if s.last_passed else "never"
    latest = f", for {s.due_since:%Y-%m-%d}," if s.due_since else ""
    return (
        f"missed: {s.system} {s.cadence} ({s.entry.scenario}): it fell due {listed} with no"
        f" passing drill since (last passed: {passed}; the jump host off, or its job not run):"
        f" one drill is due now{latest} not one per date missed"
    )


def failed_said(status: list[SystemCadence]) -> list[str]:
    """`failed: web monthly, before-deploy (24 h) (web-release): the last drill FAILED ...
    (its first finding): the one that passed ... no longer counts`, once a system and
    scenario whose latest drill failed after a pass (its rows read FAILED, due now)."""
    cadences: dict[tuple[str, str], list[SystemCadence]] = {}
    for s in status:
        if s.last is not None and not s.last.passed and s.last_passed is not None:
            cadences.setdefault((s.system, s.entry.scenario), []).append(s)
    lines = []
    for (system, scenario), rows in cadences.items():
        last, passed = rows[0].last, rows[0].last_passed
        assert last is not None and passed is not None  # kept so above
        why = f" ({last.why})" if last.why else ""
        lines.append(
            f"failed: {system} {', '.join(r.cadence for r in rows)} ({scenario}): the last drill"
            f" FAILED {last.at:%Y-%m-%d %H:%M} UTC{why}: the one that passed"
            f" {passed.at:%Y-%m-%d %H:%M} UTC no longer counts; drill it again once it is fixed"
        )
    return lines


# An 80-column terminal's width, as the dry runs fold their own words to it.
STATUS_WIDTH = 79
# Where the whole row is wider: the standing on the row (system, cadence, next due, state,
# the state last as in the whole row), the last drill under it.
NARROW_COLUMNS = (0, 1, 6, 7)


def status_text(status: list[SystemCadence], now: datetime) -> list[str]:
    """The schedule as an aligned table, one row per system and cadence; where that is wider
    than an 80-column terminal (106 columns for one system drilled once: each row wrapped
    across two lines), each row's standing, then its scenario and last drill under it."""
    if not status:
        return ["No drill schedule: add [[schedule]] entries to drills.toml."]
    rows = [_row_cells(s, now) for s in status]
    table = _aligned([list(STATUS_COLUMNS), *rows])
    if max(len(line) for line in table) <= STATUS_WIDTH:
        return table
    narrow = _aligned([[row[i] for i in NARROW_COLUMNS] for row in [list(STATUS_COLUMNS), *rows]])
    lines = narrow[:1]
    for line, (s, row) in zip(narrow[1:], zip(status, rows, strict=True), strict=True):
        last = f"last drill {row[3]} {row[4]}" if s.last else row[4]
        took = f", recovery {row[5]}" if row[5] != "–" else ""
        under = f"{row[2]}: {last}{took}"
        lines += [
            line,
            *textwrap.wrap(under, STATUS_WIDTH, initial_indent="  ", subsequent_indent="    "),
        ]
    return lines


def _aligned(table: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in table
    ]


def status_markdown(status: list[SystemCadence], now: datetime) -> str:
    lines = [
        f"# Rollback drill schedule ({now:%Y-%m-%d %H:%M} UTC)",
        "",
        "| " + " | ".join(c.capitalize() for c in STATUS_COLUMNS) + " |",
        "|" + "---|" * len(STATUS_COLUMNS),
    ]
    for s in status:
        cells = [cell(c) for c in _row_cells(s, now)]
        if s.standing is not Standing.OK:
            cells[-1] = f"**{cells[-1]}**"
        lines.append("| " + " | ".join(cells) + " |")
    if not status:
        lines.append("| " + " | ".join("–" for _ in STATUS_COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def _fault_set(fault: dict[str, Any]) -> str:
    """The fault, its hosts, and where it is not in place (why: the ✘ below): where it was
    meant and where it is, where the verdict says them; else (judged before they were
    kept) as then: the hosts its command was sent to, not set on every one."""
    if fault.get("set", True):
        return _fault_said(fault)
    if "meant" not in fault:
        return f"{_fault_said(fault)}, not set on every host"
    meant, in_place = fault["meant"], fault.get("in_place", [])
    said = _fault_said({**fault, "hosts": meant})
    if in_place:
        return f"{said}, in place on {', '.join(in_place)} only"
    there = "there" if len(meant) == 1 else "on any of them"
    return f"{said}, not in place: its command did not succeed {there}"


def _fault_said(fault: dict[str, Any]) -> str:
    """`slow restart on web-3`: the fault and its hosts, named once, however it was called
    (a name that says its host already, the demo's `slow:web-3`)."""
    name, where = str(fault.get("name") or ""), ", ".join(fault["hosts"])
    kind, colon, host = name.partition(":")
    if colon and host == where:  # the demo's KIND:HOST
        name = kind
    return name if name.endswith(f" on {where}") else f"{name} on {where}"
