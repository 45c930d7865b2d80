"""Assessment: each host's gathered state side by side, and the data-integrity records."""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, Vertical
from textual.widgets import DataTable, Label, Static

from console.journal.export.integrity_facts import IntegrityCheck
from console.journal.export.systems import build_integrity, integrity_runs
from console.model.integrity_judged import match_detail
from console.model.recovery import stop_said
from console.model.visible import clip, visible
from console.ui.palette import themed
from console.ui.screens.base import IncidentScreen
from console.ui.widgets.incident_bar import IncidentBar
from console.ui.widgets.key_footer import KeyFooter
from console.ui.widgets.one_line import distinct_cuts
from console.ui.widgets.plain import plain

DIFFERS = "bold $warning"
INTEGRITY_COLUMNS = ("Host", "Verdict", "Stage", "Step", "Recorded", "Expected")
NOT_REACHED = "not reached"  # the host's run ended before its after record (as the export)
COMPARED = ("match", "mismatch", "missing")
VALUE_WIDTH = 36  # a value cut here leaves its hosts in sight at 80 columns
NAME_LEAST = 12  # cells a host's name keeps at least, cut in its middle


def _some(hosts: list[str]) -> str:
    return ", ".join(hosts[:2]) + (f" +{len(hosts) - 2}" if hosts[2:] else "")


def grouped_rows(
    hosts: list[str], rows: list[tuple[str, tuple[str, ...]]], room: int | None = None
) -> list[tuple[str, str, str, bool]]:
    """(key, value, which hosts, differs) a line each value of each key: the hosts that
    read alike as one line ("all 198", "150: web-001, web-002 +148"), the most first.
    Side by side, 200 hosts were 200 columns of ~35 cells, 7,000 wide at 80. Within
    `room` cells, names cut in the middle, apart from every other host's."""
    out = []
    cuts: dict[int, dict[str, str]] = {}

    def cut(name: str, cells: int) -> str:
        if cells not in cuts:
            cuts[cells] = distinct_cuts(hosts, cells)
        return cuts[cells][name]

    for key, values in rows:
        alike: dict[str, list[str]] = {}
        for host, value in zip(hosts, values, strict=True):
            alike.setdefault(value, []).append(host)
        groups = sorted(alike.items(), key=lambda group: -len(group[1]))
        for i, (value, which) in enumerate(groups):
            said = f"all {len(which)}"
            if len(groups) > 1:
                said = f"{len(which)}: {_some(which) if room is None else _fit(which, room, cut)}"
            out.append((key if i == 0 else "", value, said, len(groups) > 1))
    return out


def _fit(hosts: list[str], room: int, cut: Callable[[str, int], str]) -> str:
    """`web-001, web-002 +148` in `room` cells less the count's, the names cut in the
    middle where they must (`checkout-f…a-prod-001 +63`); one name if two leave too little
    of them. Seen: `64: checkout-frontend-eu-we` at 80 columns, every row alike."""
    room -= len(f"{len(hosts)}: ")
    for shown in (2, 1):
        more = f" +{len(hosts) - shown}" if hosts[shown:] else ""
        each = (room - len(more) - 2 * (len(hosts[:shown]) - 1)) // max(len(hosts[:shown]), 1)
        if each >= min(NAME_LEAST, max(map(len, hosts[:shown]))) or shown == 1:
            return ", ".join(cut(h, max(each, NAME_LEAST)) for h in hosts[:shown]) + more
    return ""  # never: one name is always said


def side_by_side_width(hosts: list[str], rows: list[tuple[str, tuple[str, ...]]]) -> int:
    """Cells a table of a column per host takes (each column padded by one each side)."""
    keys = max((len(key) for key, _ in rows), default=3) + 2
    return keys + sum(
        max(len(host), *(len(values[i]) for _, values in rows)) + 2 for i, host in enumerate(hosts)
    )


def assess_title(read: list[str], selected: list[str]) -> str:
    """`System state on 950 host(s) · ✘ 50 not read (web-008, web-009 +48) · ● differs
    between hosts`: a host the assessment did not read has no column, which nobody sees
    missing among 950. One host read has nothing to differ from: said so, not the mark's
    legend."""
    have = set(read)
    missed = [h for h in selected if h not in have]
    return (
        ("System state on 1 host" if len(read) == 1 else f"System state on {len(read)} host(s)")
        + (f" · ✘ {len(missed)} not read ({_some(missed)})" if missed else "")
        + (
            " · no other host to compare it with"
            if len(read) == 1
            else " · ● differs between hosts"
        )
    )


def integrity_title(checks: list[IntegrityCheck]) -> str:
    """`Data integrity: 2 host(s) compared · ✘ 1 not reached (app-2) · no mismatch`: a
    host whose run ended before its after record was compared with nothing, and one whose
    after nothing was expected of (a recovery to a point in time) is said recorded, not
    judged, lest "0 host(s) compared · no mismatch" read as checked."""
    compared = list(dict.fromkeys(c.host or "?" for c in checks if c.verdict in COMPARED))
    # a run the step ran again after is history: its host was reached by the later run
    latest = {(c.step, c.host): c for c in checks}.values()
    missed = list(dict.fromkeys(c.host or "?" for c in latest if c.verdict == NOT_REACHED))
    unjudged = [c.host or "?" for c in checks if c.verdict == "recorded" and c.after]
    unjudged = [h for h in dict.fromkeys(unjudged) if h not in compared]
    bad = sum(1 for c in checks if c.verdict in ("mismatch", "missing"))
    return (
        f"Data integrity: {len(compared)} host(s) compared"
        + (f" · {len(unjudged)} recorded, not judged" if unjudged else "")
        + (f" · ✘ {len(missed)} not reached ({_some(missed)})" if missed else "")
        + (f" · ✘ {bad} MISMATCH" if bad else " · no mismatch")
    )


def _snapshot(record: dict | None) -> str:
    """A record's (or an expectation's) checksum, then `table=N`, one a line: side by side
    on a line they ran past an 80-column terminal's edge, cut mid-name."""
    record = record or {}
    rows = [f"{k}={v}" for k, v in sorted((record.get("rows") or {}).items())]
    rows += [f"{t}: no table" for t in record.get("absent") or []]
    checksum = (record.get("checksum") or "")[:10]
    lines = [checksum, *rows] if checksum else rows
    # the database counted in, first: the tables of another are not these
    database = [f"database {record['database']}"] if record.get("database") else []
    return "\n".join(database + lines) or "–"


def recovery_lines(checks: list[IntegrityCheck]) -> str:
    """What each host's data was brought back to, where its recovery stopped, what its
    verify checked on the database and found (`checked: ...`, as the document's "How it
    was verified" says them), and why an after was not judged (an undo asked again, no
    before), a line each (wrapped, under the table: too wide for one of
    its cells at 80 columns); empty when no record said so."""
    lines = []
    for c in checks:
        where = f"{c.host or '–'} ({c.step or '–'}):"
        if c.restored:
            lines.append(f"{where} restored to {visible(c.restored, one_line=True)}")
        if c.recovery is not None:
            stopped = visible(stop_said(c.recovery.stopped), one_line=True)
            lines.append(f"{where} recovery stopped {stopped} (timeline {c.recovery.timeline})")
        if c.after is not None:  # as the document: a run's after, as its verify found it
            lines += [f"{where} checked: {visible(check, one_line=True)}" for check in c.checks]
        if c.after is not None and c.verdict == "recorded" and c.detail:  # why not judged
            lines.append(f"{where} {visible(c.detail, one_line=True)}")
        expected = c.expected.model_dump() if c.expected else None
        held = match_detail(c.step, c.verdict, c.detail, expected)
        if c.after is not None and c.verdict == "match" and held:  # what it was held to
            lines.append(f"{where} match: {visible(held, one_line=True)}")
    return "\n".join(lines)


def verdict_text(verdict: str | None) -> Text:
    """✔ for data compared and found as expected only: a record nothing was compared with
    (a before, an after of a recovery to a point in time) is `· recorded`."""
    if verdict in ("mismatch", "missing"):
        return Text(f"✘ {verdict}", style=themed("bold reverse $error"))
    if verdict in ("match", "ok"):
        return Text(f"✔ {verdict}", style=themed("$success"))
    if verdict == NOT_REACHED:
        return Text(f"✘ {verdict}", style=themed(DIFFERS))
    return plain(f"· {verdict or '–'}", "dim")


class AssessmentScreen(IncidentScreen):
    """Keys down, hosts across: values that differ between hosts are marked."""

    # Keys typed before it was drawn are its own (it only shows): key_turns.py.
    TAKES_TYPE_AHEAD = True

    TAB = "assessment"
    BINDINGS = [Binding("escape", "back", "Back", id="assessment.back")]
    # What each table shows: sync() runs on every batch of journal events, and a table
    # built again is scrolled back to its start (at 1,000 hosts, to the first of 1,000
    # columns while the reader looked at the 700th).
    _shown_assessment: tuple[list[str], list[tuple[str, tuple[str, ...]]], list[str]] | None = None
    _shown_integrity: tuple[int, list[IntegrityCheck]] | None = None

    def compose(self) -> ComposeResult:
        yield IncidentBar(self.TAB)
        # Scrolls (Tab reaches it, then the arrows): three restored databases' lines under
        # the integrity table ran past the screen's foot at 80x24, out of reach.
        with ScrollableContainer(id="assess-body"):
            with Vertical(id="assess-box"):
                yield Label("", id="assess-title", classes="section-title")
                yield DataTable(id="assessment", zebra_stripes=True, cursor_type="row")
            with Vertical(id="integrity-box"):
                yield Label("", id="integrity-title", classes="section-title")
                yield DataTable(id="integrity", zebra_stripes=True, cursor_type="row")
                yield Static("", id="integrity-recovery", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sync()
        self.query_one("#assessment", DataTable).focus()

    def sync(self) -> None:
        if not self.is_mounted:
            return
        self._assessment()
        self._integrity()

    def _assessment(self) -> None:
        assessment = self.incident.state.assessment
        # in the configuration's order, as every list of hosts (sorted, api-001 came first)
        order = {h: i for i, h in enumerate(self.app.settings.inventory.host_names)}
        hosts = sorted(assessment, key=lambda h: (order.get(h, len(order)), h))
        keys: list[str] = []
        for values in assessment.values():
            keys += [k for k in values if k not in keys]
        rows = [(key, tuple(str(assessment[h].get(key, "–")) for h in hosts)) for key in keys]
        selected = list(self.incident.state.hosts)
        if (hosts, rows, selected) == self._shown_assessment:
            return  # as shown: a rebuild would throw the reader back to its first column
        self._shown_assessment = (hosts, rows, selected)
        table = self.query_one("#assessment", DataTable)
        table.clear(columns=True)
        title = self.query_one("#assess-title", Label)
        if not hosts:
            title.update("System state: not assessed yet (run “Assess system state”)")
            return
        title.update(assess_title(hosts, selected))
        if side_by_side_width(hosts, rows) > self._room():
            self._grouped(table, hosts, rows)
            return
        table.add_columns("Key", *map(plain, hosts))
        for key, row in rows:
            differs = len(set(row)) > 1
            table.add_row(
                plain(("● " if differs else "  ") + key, themed(DIFFERS) if differs else "bold"),
                *(plain(v, themed(DIFFERS) if differs else "") for v in row),
            )

    def _room(self) -> int:
        """The cells the assessment's table has."""
        room = self.app.size.width - 4  # the body's padding and the table's scrollbar
        if self.has_class("-wide") and self.incident.state.integrity:
            room //= 2  # the integrity table beside it
        return room

    def _grouped(
        self, table: DataTable, hosts: list[str], rows: list[tuple[str, tuple[str, ...]]]
    ) -> None:
        """A line per value of a key, with the hosts that read it: what fits the width
        whatever the number of hosts (a column per host does not)."""
        table.add_columns("Key", "Value", "Hosts")
        keys = max((len(key) for key, _ in rows), default=3) + 2  # its mark
        values = max((cell_len(clip(v, VALUE_WIDTH)) for _, row in rows for v in row), default=5)
        room = self._room() - keys - values - 3 * 2 * table.cell_padding
        for key, value, which, differs in grouped_rows(hosts, rows, room):
            style = themed(DIFFERS) if differs else ""
            mark = ("● " if differs else "  ") + key if key else ""
            table.add_row(
                plain(mark, style or "bold"),
                plain(clip(value, VALUE_WIDTH), style),
                plain(which, style),
            )

    def _integrity(self) -> None:
        records = self.incident.state.integrity
        table = self.query_one("#integrity", DataTable)
        title = self.query_one("#integrity-title", Label)
        self.query_one("#integrity-box").display = bool(records)
        checks = build_integrity(self.incident.state) if records else []
        if (len(records), checks) == self._shown_integrity:
            return  # as shown (a rebuild scrolls the table back to its start)
        self._shown_integrity = (len(records), checks)
        table.clear(columns=True)
        if not records:
            return
        title.update(integrity_title(checks))
        stops = recovery_lines(checks)
        recovery = self.query_one("#integrity-recovery", Static)
        recovery.display = bool(stops)
        recovery.update(stops)
        # A host whose run ended before its after record: that run's before says so.
        missed = {
            id(run.get("before")): check.detail
            for run, check in zip(integrity_runs(records), checks, strict=True)
            if check.verdict == NOT_REACHED
        }
        table.add_columns(*INTEGRITY_COLUMNS)
        for record in records:
            why = missed.get(id(record))
            stage = record.get("stage") or "–"
            recorded, expected = _snapshot(record), _snapshot(record.get("expected"))
            table.add_row(
                plain(record.get("host") or "–"),
                verdict_text(NOT_REACHED if why else record.get("verdict")),
                plain(f"{stage}; {why.split(':')[0]}" if why else stage),
                plain(record.get("step") or "–"),
                plain(recorded, one_line=False),
                plain(expected, one_line=False),
                height=max(recorded.count("\n"), expected.count("\n")) + 1,
            )

    def action_back(self) -> None:
        self.dismiss()
