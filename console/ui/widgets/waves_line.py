"""A step's waves in a line: each finished wave's counts, the one running or paused, those
waiting; one phrase for the finished ones when the line would not fit the screen."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.text import Text

from console.journal.times import clock
from console.model.state import HostStatus, StepState
from console.model.step_state import NEEDED_NOTHING, Pause
from console.ui.palette import themed


def waves_text(st: StepState, running: bool = True, width: int | None = None) -> Text | None:
    """`Waves ✔ 1–2 of 4: 2 ok, 0 failed · ▶ 3/4 running (1 host(s)) · ○ 4/4 waiting`, or
    None for a run without waves.
    A finished wave's counts are its hosts' states in the fold, so they agree with the
    grid and the export even after an integrity check or a retry changed a host. Only
    while the step's action runs here (`running`, not V verifying its unknown hosts) is a
    wave running or waiting; else one a crash cut short reads so, and one that never
    began, not started. The step's earlier runs
    (a retry's waves replace them) follow on a line of their own, one phrase a run."""
    if not st.waves:
        return None
    text = Text(" Waves ", style="bold", no_wrap=True, overflow="ellipsis")
    if st.earlier_waves:  # first: a long line is cut at the terminal's edge
        text.append(f"run {len(st.earlier_waves) + 1}: ", style="bold")
    text.append_text(_run_waves(st, st.waves, running, width and width - text.cell_len))
    if st.earlier_waves:
        text.append_text(_earlier(st, width))
    return text


def _earlier(st: StepState, width: int | None) -> Text:
    """`Earlier run 1: 3 of 3 waves, web-1, web-2, web-3: 2 ok, 1 failed, then undone`
    (its undo ran before the next run: the ok it says is no longer where the hosts are), its hosts
    counted instead of named when the names would push the counts past `width` (seen at
    200 hosts: '... web-003 +197: 72 ok, 13 failed,' and the 115 not started cut off)."""
    for named in (True, False):
        runs = [
            f"run {number}: {_run_said(st, waves, named)}{f', then {undo}' if undo else ''}"
            for number, (waves, undo) in enumerate(
                zip(st.earlier_waves, st.earlier_undone, strict=True), 1
            )
        ]
        line = " Earlier " + " · ".join(runs)
        if not width or Text(line).cell_len <= width:
            break
    text = Text("\n Earlier ", style="bold")
    for number, run in enumerate(runs):
        text.append(" · " if number else "", style="dim").append(run, style="dim")
    return text


def _run_waves(
    st: StepState, waves: dict[int, dict[str, Any]], running: bool, width: int | None
) -> Text:
    total = max(int(w.get("waves", 1)) for w in waves.values())
    pieces = _wave_pieces(st, waves, running, total)
    text = _joined([piece for piece, *_ in pieces])
    if width is None or text.cell_len <= width or all(count is None for _, count, *_ in pieces):
        return text
    finished = [h for w in waves.values() if w.get("finished") for h in w.get("hosts", [])]
    statuses = {h: st.hosts[h].status for h in finished if h in st.hosts}
    for names in (3, 1, 0):  # the hosts named, fewer (none) when the line would not fit
        one = _joined(_finished_in_one(pieces, total, statuses, _refused_word(st), names))
        if one.cell_len <= width:
            break
    return one


def _joined(phrases: list[Text]) -> Text:
    """The phrases with a dim ` · ` between them (Text.join would dim them all)."""
    text = Text()
    for number, phrase in enumerate(phrases):
        text.append(" · " if number else "", style="dim").append_text(phrase)
    return text


# A wave's phrase, its hosts' statuses once it finished (else None), its first and last number.
Piece = tuple[Text, Counter[HostStatus] | None, int, int]
_SAID = (
    (HostStatus.HELD, "held"),
    (HostStatus.REFUSED, "refused"),
    (HostStatus.UNKNOWN, "unknown"),
    (HostStatus.ABORTED, "aborted"),
    (HostStatus.NOT_STARTED, "not started"),
)


def _wave_pieces(
    st: StepState, waves: dict[int, dict[str, Any]], running: bool, total: int
) -> list[Piece]:
    acting = running and not st.verifying  # not V checking unknown hosts: it starts no wave
    pieces: list[Piece] = []
    # The waves not begun at the end: one phrase, so that the line fits 80 columns (each
    # its own, '○ 4/4' lost its word there).
    paused = st.paused.next if acting and st.paused and st.paused.what == "wave" else 0
    last = max([paused, *waves])
    # Waves finished with every host ok, one after another: one phrase (`✔ 1–3 of 4: 3 ok`),
    # so that a canary's four waves of one host fit 80 columns; any other stands alone.
    oks = _all_ok(st, waves)
    number = 0
    while number < min(last + 1, total):
        number += 1
        wave = waves.get(number)
        end = number
        while oks.get(number) and oks.get(end + 1):
            end += 1
        if end > number:
            ok = sum(oks[n] or 0 for n in range(number, end + 1))
            run = Text(f"✔ {number}–{end} of {total}: {ok} ok, 0 failed", themed("$success"))
            pieces.append((run, Counter({HostStatus.SUCCEEDED: ok}), number, end))
            number = end
            continue
        if wave is None and acting and st.paused and st.paused[:2] == ("wave", number):
            pieces.append(
                (Text(f"⏸ {paused_said(st.paused)}", themed("bold $warning")), None, 0, 0)
            )
        elif wave is None:
            state = "waiting" if acting and not st.halted else "not started"
            left = f"{number}/{total}" if number == total else f"{number}–{total} of {total}"
            pieces.append((Text(f"○ {left} {state}", style="dim"), None, 0, 0))
            break
        elif wave.get("finished"):
            runs = [st.hosts[h] for h in wave.get("hosts", []) if h in st.hosts]
            count = Counter(r.status for r in runs)
            said = f"{number}/{total} {_counted(count, _refused_word(st))}"
            pieces.append((_marked(count, said), count, number, number))
        else:
            hosts = len(wave.get("hosts", []))
            # cut short by a crash: its hosts unknown, maybe being verified (V) now
            said = "running" if acting else "cut short, verifying" if running else "cut short"
            mark = "▶" if acting else "?"
            text = Text(
                f"{mark} {number}/{total} {said} ({hosts} host(s))", themed("bold $warning")
            )
            pieces.append((text, None, 0, 0))
    return pieces


def _counted(
    count: Counter[HostStatus], refused: str = "refused", named: dict[HostStatus, str] | None = None
) -> str:
    """`1 ok, 2 failed, 1 unknown`: every host of the finished waves, as the record counts
    them (an abort: who was cut short, who was never sent anything); a precheck's refusals
    in `refused`'s word; each count `named` after it, its hosts (`1 unknown (web-2)`)."""
    named = named or {}

    def one(status: HostStatus, word: str) -> str:
        hosts = f" ({named[status]})" if named.get(status) else ""
        return f"{count[status]} {word}{hosts}"

    said = f"{count[HostStatus.SUCCEEDED]} ok, {one(HostStatus.FAILED, 'failed')}"
    words = [(s, refused if s is HostStatus.REFUSED else word) for s, word in _SAID]
    return said + "".join(f", {one(s, word)}" for s, word in words if count[s])


def _refused_word(st: StepState) -> str:
    """What a host its precheck refused is in this step: `needed nothing` once the step is
    done on the others (as the grid, the counts and the checklist say), else `refused`.
    Seen: the grid said `⊘ needed nothing` and the waves line `2 refused (not all ok: 1–2)`."""
    return NEEDED_NOTHING if st.needed_nothing() else "refused"


def _marked(count: Counter[HostStatus], said: str) -> Text:
    """`said` after the mark of the worst host `count` holds, in its style."""
    mark, style = _wave_mark(*(count[s] for s in BAD_ORDER))
    return Text(f"{mark} {said}", style=themed(style))


BAD_ORDER = (
    HostStatus.FAILED,
    HostStatus.HELD,
    HostStatus.REFUSED,
    HostStatus.UNKNOWN,
    HostStatus.ABORTED,
)


def _finished_in_one(
    pieces: list[Piece],
    total: int,
    statuses: dict[str, HostStatus],
    refused: str = "refused",
    names: int = 3,
) -> list[Text]:
    """The finished waves as one phrase, with the hosts not ok named by what they are, then
    the others: 100 waves with failures here and there took a phrase each, and the line
    was cut at the edge of the screen, the later waves and the counts out of sight:
    `✘ 1–9 of 9: 16 ok, 10 failed (web-04, web-05, web-06 +7 more) · ○ ...`. Seen: `(not
    all ok: 2)`, the numbers of the waves, which an incident commander had to work out
    into hosts and states (`statuses`: each finished wave's host, as it stands)."""
    finished = [(count, first, last) for _, count, first, last in pieces if count is not None]
    hosts = sum((count for count, _, _ in finished), Counter[HostStatus]())
    named = _not_ok(statuses, refused, names)
    said = f"{finished[0][1]}–{finished[-1][2]} of {total}: {_counted(hosts, refused, named)}"
    return [_marked(hosts, said), *(piece for piece, count, *_ in pieces if count is None)]


def _not_ok(statuses: dict[str, HostStatus], refused: str, names: int) -> dict[HostStatus, str]:
    """`{failed: 'web-3', unknown: 'web-2'}`: the hosts of the finished waves that are not
    ok, by what they are, `names` of each named and the others counted (`+4 more`)."""
    found = {}
    for status in (*BAD_ORDER, HostStatus.NOT_STARTED):
        if status is HostStatus.REFUSED and refused == NEEDED_NOTHING:
            continue  # they are where the rollback leaves them: ok
        these = [h for h, s in statuses.items() if s is status]
        if these and names:
            more = f" +{len(these) - names} more" if these[names:] else ""
            found[status] = f"{', '.join(these[:names])}{more}"
    return found


def _all_ok(st: StepState, waves: dict[int, dict[str, Any]]) -> dict[int, int | None]:
    """Each finished wave's number of hosts when every one of them succeeded, else None."""
    found: dict[int, int | None] = {}
    for number, wave in waves.items():
        if wave.get("finished"):
            runs = [st.hosts[h] for h in wave.get("hosts", []) if h in st.hosts]
            good = all(r.status is HostStatus.SUCCEEDED for r in runs)
            found[number] = len(runs) if runs and good else None
    return found


def paused_said(pause: Pause) -> str:
    """`2/4 at 02:38:50 UTC`: the next wave or stage (`2/4 25% at ...`: a stage's share),
    and when its pause ends; `2/4 waits for a yes` once a person is asked."""
    when = "waits for a yes" if pause.asked else f"at {clock(pause.until)}"
    return f"{pause.next}/{pause.of}{share(pause.next_percent)} {when}"


def share(percent: float | None) -> str:
    """` 25%`: a stage's share as recorded (none in older journals)."""
    return f" {percent:g}%" if percent is not None else ""


def _run_said(st: StepState, waves: dict[int, dict[str, Any]], named: bool = True) -> str:
    """An earlier run in a phrase: `3 of 3 waves, web-1, web-2, web-3: 2 ok, 1 failed` (the
    hosts its waves took, and how they ended then, as its waves recorded it: a retry's
    results replace theirs in the grid). Seen: the run a retry followed read without its
    counts, as if it had gone well. Not `named`: `200 hosts` instead of their names."""
    total = max(int(w.get("waves", 1)) for w in waves.values())
    hosts = [h for w in waves.values() for h in w.get("hosts", [])]
    some = ", ".join(hosts[:3]) + (f" +{len(hosts) - 3}" if hosts[3:] else "")
    some = some if named else f"{len(hosts)} host{'s' if len(hosts) != 1 else ''}"
    said = f"{len(waves)} of {total} wave{'s' if total > 1 else ''}, {some}"
    ended = [w for w in waves.values() if w.get("finished") or _cut(w) < len(w.get("hosts", []))]
    cut = sum(_cut(w) for w in waves.values() if not w.get("finished"))
    cut_said = f"{cut} cut short" if cut else ""  # a crash, then a retry with no V first
    if not ended:
        return f"{said}: {cut_said}" if cut else said
    count = Counter({s: sum(int(w.get(s.name.lower()) or 0) for w in ended) for s in HostStatus})
    return f"{said}: {_counted(count, _refused_word(st))}" + (f", {cut_said}" if cut else "")


def _cut(wave: dict[str, Any]) -> int:
    """The hosts of a wave a crash cut short with no outcome in it (all of them in a run
    kept before the fold counted those that ended)."""
    return int(wave.get("cut", len(wave.get("hosts", []))))


def _wave_mark(failed: int, held: int, refused: int, unknown: int, aborted: int) -> tuple[str, str]:
    """A finished wave's mark and style: its worst host first."""
    if failed:
        return "✘", "bold $error"
    if aborted:
        return "■", "bold $error"
    if unknown:
        return "?", "bold $warning"
    if held:
        return "◐", "bold $warning"
    if refused:
        return "⊘", "bold $primary"
    return "✔", "$success"
