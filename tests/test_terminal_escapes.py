"""Terminal escapes from hosts: shown as `\\x1b`-style escapes, never obeyed.

A host prints clear-screen, OSC 52 (clipboard), OSC 0 (window title), DCS, BEL, other
C0 and C1 controls, a bidi override and Rich markup. None of it may leave the program
raw (run, exec, follow --plain, probe, export, the console's screens); the journal
keeps every byte as data.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.visible import json_visible, visible
from console.ui.screens.assessment import AssessmentScreen
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.execution import ExecutionScreen
from console.ui.screens.export import ExportScreen
from console.ui.screens.timeline import TimelineScreen
from console.ui.widgets.host_grid import HostGrid
from tests.cli_fleet import HOSTS, Fleet, write_fleet
from tests.test_ui_support import (  # noqa: F401
    INCIDENT_ID,
    _close_engines,
    _no_cursor_blink,
    build_app,
    declare_and_pick,
    type_text,
    until,
)
from tests.test_ui_terminal import Tmux

# What the host prints (printf in /bin/sh: octal escapes), and how it must be shown.
HOSTILE = [
    (r"csi-clear<\033[2J\033[H>", r"csi-clear<\x1b[2J\x1b[H>"),
    (r"osc52<\033]52;c;cHduZWQ=\007>", r"osc52<\x1b]52;c;cHduZWQ=\x07>"),
    (r"osc0<\033]0;pwned-title\007>", r"osc0<\x1b]0;pwned-title\x07>"),
    (r"dcs<\033P+q544e\033\\>", r"dcs<\x1bP+q544e\x1b\>"),
    (r"bel<\007> c0<\001\010\016\177>", r"bel<\x07> c0<\x01\x08\x0e\x7f>"),
    (r"c1<\302\23331m> bidi<\342\200\256>", r"c1<\x9b31m> bidi<\u202e>"),
    # Counted in cells otherwise by a terminal than by the console: the rest of the row
    # shifted (tmux: `⚠️` 1 cell, `👍🏽` 4; the console's 2 and 2); or showing nothing.
    (
        r"vs16<\342\232\240\357\270\217> skin<\360\237\221\215\360\237\217\275>",
        r"vs16<⚠> skin<👍\U0001f3fd>",
    ),
    (r"zw<a\342\200\213b\342\200\215c\357\273\277d\302\255e>", r"zw<a\u200bb\u200dc\ufeffd\xade>"),
]
MARKUP = "[bold]BOLD[/bold] [link=http://evil.example]click[/link]"
SHOUT = "\n".join(
    [f"printf '{raw}\\n'" for raw, _ in HOSTILE]
    + [f"printf '%s\\n' '{MARKUP}'", r"printf 'err<\033[31m\007>\n' >&2"]
)
SHOWN = [shown for _, shown in HOSTILE] + [MARKUP]
# Any byte a terminal would obey: C0 but tab and newline, DEL, C1 (UTF-8), bidi controls.
# And what a terminal counts in cells otherwise than the console, or shows as nothing.
RAW = re.compile(
    rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f\xad]|\xe2\x80[\x8b\x8d-\x8f\xaa-\xae]"
    rb"|\xef\xb8[\x8e\x8f]|\xef\xbb\xbf|\xf0\x9f\x8f[\xbb-\xbf]"
)


def assert_clean(data: bytes | str, where: str) -> None:
    raw = data.encode() if isinstance(data, str) else data
    found = RAW.search(raw)
    assert found is None, f"{where}: raw {found.group()!r} at {found.start()}" if found else ""


# -- the one function -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a\x1b[2Jb", r"a\x1b[2Jb"),
        ("\x1b]52;c;aGk=\x07", r"\x1b]52;c;aGk=\x07"),
        ("\x1bP+q\x1b\\", "\\x1bP+q\\x1b\\"),
        ("\x9b31m \u202eevil", r"\x9b31m \u202eevil"),
        ("é ✔ 中 [bold]x[/bold]", "é ✔ 中 [bold]x[/bold]"),
        ("tab\tand\nnewline stay", "tab\tand\nnewline stay"),
        ("crlf line\r\n", "crlf line\n"),
        ("progress\r", "progress"),
        ("a\rb", r"a\x0db"),
        ("⚠\ufe0f full", "⚠ full"),  # a glyph's style asked for, dropped
        ("👍\U0001f3fd 👩\u200d💻", r"👍\U0001f3fd 👩\u200d💻"),
        ("o\u200bk soft\xadhy \ufeffbom", r"o\u200bk soft\xadhy \ufeffbom"),
    ],
)
def test_visible_escapes_what_a_terminal_would_obey(text: str, shown: str) -> None:
    assert visible(text) == shown
    assert_clean(visible(text), repr(text))


def test_one_line_flattens_tabs_and_newlines() -> None:
    assert visible("a\tb\nc\x07", one_line=True) == r"a b ⏎ c\x07"


def test_anything_a_journal_may_hold_is_shown_as_text() -> None:
    assert visible(3) == "3" and visible(None) == "None"
    assert_clean(visible({"x": "\x1b[2J"}), "a dict")


def test_json_visible_parses_to_the_same_data() -> None:
    data = {"line": "x\x1b[2J\x9b\u202e\x07\u2028 ⚠\ufe0f 👍\U0001f3fd"}
    document = json_visible(json.dumps(data, ensure_ascii=False))
    assert json.loads(document) == data
    assert_clean(document, "json")


# -- the command line on a real sshd ------------------------------------------------------

STRATEGIES = {
    "strategies": [
        {
            "name": "noisy",
            "kind": "custom",
            "description": "A restore whose output is hostile",
            "commands": {"action": SHOUT, "verify": "true"},
        }
    ]
}
PROCEDURE = {
    "name": "Hostile output",
    "phases": [
        {
            "phase": "immediate",
            "steps": [{"id": "shout", "title": "Shout", "kind": "command", "command": SHOUT}],
        },
        {
            "phase": "execution",
            "steps": [
                {
                    "id": "assess",
                    "title": "Assess system state",
                    "kind": "command",
                    "records": "assessment",
                    "command": r"printf 'release=\033]0;pwned\007[bold]2.4[/bold]\n'",
                },
                {"id": "restore", "title": "Restore", "kind": "strategy"},
            ],
        },
        {
            "phase": "post",
            "steps": [{"id": "doc", "title": "Document", "kind": "form", "fields": ["reason"]}],
        },
    ],
}
PROBES = [
    {
        "name": "banner",
        "kind": "command",
        "command": r"printf 'boom\033]0;pwned\007\n' >&2; exit 1",
        "interval": 0.2,
    }
]


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    return write_fleet(sshd_server, tmp_path, files, strategies=["noisy"], probes=PROBES)


def shows_every_sequence(text: str, where: str) -> None:
    for shown in SHOWN:
        assert shown in text, f"{where}: {shown!r} not shown"


@pytest.mark.sshd
def test_exec_run_follow_probe_and_export_print_escapes_never_obey_them(fleet: Fleet) -> None:
    exec_ = fleet.cli("exec", "--systems", "app", SHOUT, text=False)
    assert exec_.returncode == 0, exec_.stderr
    assert_clean(exec_.stdout, "exec stdout")
    assert_clean(exec_.stderr, "exec stderr")
    shows_every_sequence(exec_.stdout.decode(), "exec stdout")
    assert f"{HOSTS[0]}: err<\\x1b[31m\\x07>" in exec_.stderr.decode()

    journal = fleet.state / "incident" / "journal.jsonl"
    run = fleet.cli(
        "run", "--systems", "app", "--strategy", "noisy", "--trigger", "unexpected-behaviour",
        "--reason", "hostile output", "--yes", "--journal", str(journal.parent), text=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert b"rolled back and verified" in run.stdout
    assert_clean(run.stdout, "run stdout")
    assert_clean(run.stderr, "run stderr")
    shows_every_sequence(run.stdout.decode(), "run stdout")

    follow = fleet.cli("follow", "--plain", str(journal), text=False)
    assert follow.returncode == 0, follow.stderr
    assert_clean(follow.stdout, "follow --plain")
    shows_every_sequence(follow.stdout.decode(), "follow --plain")

    probe = fleet.cli("probe", text=False)
    assert_clean(probe.stdout + probe.stderr, "probe")
    assert b"boom\\x1b]0;pwned\\x07" in probe.stdout  # the host's error, as detail

    for fmt in ("markdown", "node", "json"):
        document = fleet.cli("export", str(journal), "--format", fmt, text=False)
        assert document.returncode == 0, document.stderr
        assert_clean(document.stdout, f"export {fmt}")
    exported = json.loads(fleet.cli("export", str(journal), "--format", "json").stdout)
    lines = [ln for e in exported["events"] if e["kind"] == "command.output" for ln in e["data"]["lines"]]  # fmt: skip
    assert "csi-clear<\x1b[2J\x1b[H>" in lines  # the JSON export keeps the data

    # The journal keeps the bytes as data.
    events = read_journal(journal).events
    output = [ln for e in events if e.kind == Kind.COMMAND_OUTPUT for ln in e.data.lines]
    assert "osc52<\x1b]52;c;cHduZWQ=\x07>" in output
    assert "c1<\x9b31m> bidi<\u202e>" in output


@pytest.mark.sshd
def test_bytes_that_are_not_utf8_read_as_the_replacement_character(fleet: Fleet) -> None:
    """README said the journal keeps the bytes as they came: a host's Latin-1 bytes are
    read as U+FFFD, in exec's output and in the journal alike (the README says so now)."""
    done = fleet.cli("exec", "--systems", "app", r"printf 'caf\351 \377\376 ok\n'", text=False)
    assert done.returncode == 0, done.stderr
    assert_clean(done.stdout, "exec stdout")
    assert f"{HOSTS[0]}: caf\ufffd \ufffd\ufffd ok\n".encode() in done.stdout
    (journal,) = fleet.state.rglob("journal.jsonl")
    events = read_journal(journal).events
    output = [ln for e in events if e.kind == Kind.COMMAND_OUTPUT for ln in e.data.lines]
    assert "caf\ufffd \ufffd\ufffd ok" in output


# -- the console ----------------------------------------------------------------------------

INTACT = ("Host", "System", "Status", "Stage", "Last line")


def screen_text(app) -> str:
    """What the screen shows, as a terminal would get it (SVG text, XML-unescaped)."""
    svg = app.export_screenshot()
    assert_clean(svg, "screenshot")
    assert "&#27;" not in svg and "&#x1b;" not in svg.lower()
    return svg.replace("&#160;", " ").replace("&lt;", "<").replace("&gt;", ">")


@pytest.mark.sshd
async def test_console_screens_show_escapes_and_stay_intact(
    fleet: Fleet, tmp_path: Path, export_child_unniced: None
) -> None:
    settings = load_settings(fleet.config)
    app = build_app(settings, tmp_path / "incidents", sample_probes=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: bool(app.live.watcher.readings.get("app/banner")))
        await until(pilot, lambda: app.live.watcher.readings["app/banner"].last is not None)
        await until(pilot, lambda: "banner" in screen_text(app))  # the probe table, drawn
        probes = app.screen.query_one("#probes", DataTable)
        assert all(not isinstance(c, str) for row in probes._data.values() for c in row.values())

        await declare_and_pick(pilot, "hostile output")
        await pilot.press("space", "enter")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        conductor = app.conductor
        assert conductor is not None
        for step in ("shout", "assess", "restore"):
            app.do_step(step)
            await pilot.pause(0.1)
            if isinstance(app.screen, RunConfirm):  # a step that changes hosts asks first
                await pilot.press("y")
            await until(pilot, lambda s=step: conductor.state.step(s).status.finished)
            assert conductor.state.step(step).status.value == "done", step

        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        await pilot.pause(0.5)  # the last lines' redraw tick
        screen = screen_text(app)
        for word in (*INTACT, "Restore", "2 of 2 hosts finished", INCIDENT_ID, "Checklist"):
            assert word in screen, word
        grid = app.screen.query_one("#grid", HostGrid)
        assert grid.rows[HOSTS[0]][-1] == "err<\\x1b[31m\\x07>"  # the last line, on one line
        assert "[bold]BOLD[/bold]" in screen  # markup from a host is text

        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, TimelineScreen))
        timeline = app.screen
        rows = timeline.query_one("#timeline")
        output = (i for i, at in enumerate(rows.rows) if rows.fetch(at).kind == Kind.COMMAND_OUTPUT)
        rows.move_to(next(output))
        await pilot.pause()
        detail = str(timeline.query_one("#timeline-detail", Static).render())
        assert "csi-clear<\\x1b[2J\\x1b[H>" in detail
        screen_text(app)

        await app.push_screen(AssessmentScreen())
        # A DataTable lays out its rows on a later refresh: one pause was not always enough
        # under load (CI saw the screen before its rows).
        pwned = "\\x1b]0;pwned\\x07[bold]2.4[/bold]"
        await until(pilot, lambda: pwned in screen_text(app))
        await pilot.press("escape")

        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen))
        # its preview's child (`export --first N`): seconds on a loaded machine
        await until(pilot, lambda: app.screen.shown is not None, 120.0)
        screen_text(app)
        assert "\x1b" not in app.screen.head


# -- a real terminal ------------------------------------------------------------------------


def _title(tmux: Tmux) -> str:
    """The pane's title: an obeyed OSC 0 from a host would have set it."""
    return tmux.run("display-message", "-p", "-t", "rc", "#{pane_title}")


@pytest.mark.sshd
@pytest.mark.tmux
def test_a_real_terminal_keeps_its_screen_and_title_under_exec(fleet: Fleet, tmp_path: Path):
    tmux = Tmux(tmp_path)
    exec_ = f"{sys.executable} -m console exec --systems app {shlex.quote(SHOUT)}"
    try:
        tmux.start(f"echo BEFORE; {exec_} --config {fleet.config} 2>&1; echo EXITED $?; sleep 60")
        screen = tmux.wait_for("EXITED 0")
        assert screen.startswith("BEFORE")  # nothing cleared the screen
        assert r"app-1: csi-clear<\x1b[2J\x1b[H>" in screen
        assert "pwned" not in _title(tmux)
    finally:
        tmux.kill()


@pytest.mark.sshd
@pytest.mark.tmux
def test_a_real_terminal_keeps_the_consoles_header_and_grid(fleet: Fleet, tmp_path: Path):
    tmux = Tmux(tmp_path)
    try:
        tmux.start(f"{sys.executable} -m console --config {fleet.config}; sleep 60")
        tmux.wait_for("Press n to declare a new incident")
        tmux.keys("n")
        tmux.wait_for("Declare the rollback trigger")
        tmux.keys("Down", "Enter")  # the focus moves on to the reason when the app gets to it
        for _ in range(20):
            tmux.type("hostile output")
            if "What did you see?" not in tmux.screen():  # the placeholder: still empty
                break
        tmux.keys("Enter")
        tmux.wait_for("Pick the affected systems")
        tmux.keys("Space")
        tmux.wait_for("2/2 hosts")
        tmux.keys("Enter")
        tmux.wait_for("Step 1 of")
        tmux.keys("Enter")  # "Shout" on both hosts, over SSH: it asks first
        tmux.wait_for("on 2 host(s)?")
        tmux.keys("y")
        screen = tmux.wait_for("2 of 2 hosts finished")
        lines = screen.splitlines()
        assert "F2 Checklist" in lines[1] and "F3 Execution" in lines[1], screen
        header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("Host"))
        assert "Last line" in lines[header] and lines[header + 1].lstrip().startswith("app-1")
        # Its last line, escaped or as written: the host writes stderr's line last, but
        # stdout and stderr reach the console over two pipes, so either may come last.
        row = lines[header + 1]
        assert r"err<\x1b[31m\x07>" in row or "[bold]BOLD[/bold]" in row, screen
        assert r"\x1b" in screen  # the output pane shows the escapes
        assert "pwned" not in _title(tmux)
    finally:
        tmux.kill()
