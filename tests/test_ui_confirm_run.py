"""The run confirmation of a strategy with many parameters at 80x24. postgres-pitr's 14
parameters once pushed its waves below the fold; then the waves, the threshold and the
description filled the first screen and pushed the parameters and every command below
it (seen by a tester on a version rollback: `With (5)` on the last row, an edited
`restart=sleep 15` unseen). What is sent, where and with which values comes first now:
the hosts, the parameters and the start of the commands are on screen when it opens, a
line under them says how much is below and what; the rest scrolls with the arrows,
PgUp/PgDn and Home/End while the safe answer keeps the focus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.containers import VerticalScroll
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Button, Static

from console.model.filled import filled_lines
from console.model.loading import load_settings
from console.model.settings import Settings
from console.model.triggers import TriggerKind
from console.paths import demo_config, example_config
from console.ui.app import RollbackApp
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.run_summary import IN_FULL
from tests.test_ui_support import (  # noqa: F401
    INCIDENT_ID,
    _close_engines,
    _no_cursor_blink,
    build_app,
    build_engine,
    step_detail_shown,
    until,
    web_and_api_app,
)

# On the first screen at 80x24, in this order: where, what with which values, the commands
FIRST = (
    "Systems: db",
    "Hosts: db-1, db-2",
    "Strategy: orders-pitr (point-in-time)",
    "Recovers to: the time 2026-03-14T09:00:00Z",
    "With (12): recovery_target_time=2026-03-14T09:00:00Z; defaults:",
    "It sends the same to each of the 2 hosts:",
    "  precheck, 595 lines; the 33 with a value:",  # its lines with a value, summed up
    "    $ ",
)


def _pitr_settings() -> Settings:
    """The demo's, with the example's orders-pitr for db: two waves of one host, 25 %."""
    data = load_settings(demo_config()).dumped()
    pitr = load_settings(example_config()).strategy("orders-pitr").dumped()
    pitr.update(max_fail_percentage=25, waves={"size": 1})
    data["strategies"].append(pitr)
    for system in data["inventory"]["systems"]:
        if system["name"] == "db":
            system["strategies"].append("orders-pitr")
    return Settings.validated(data)


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RollbackApp:
    """An incident on db with orders-pitr chosen, under a relative journal root."""
    monkeypatch.chdir(tmp_path)
    return _pitr_app(_pitr_settings())


def _pitr_app(settings: Settings) -> RollbackApp:
    engine = build_engine(settings, Path("incidents"))
    conductor = engine.new_incident("Orders lost rows", incident_id=INCIDENT_ID)
    conductor.declare_trigger(TriggerKind.DATA_CORRUPTION, "orders rows lost after 09:00")
    conductor.select(["db"])
    conductor.choose_strategy("orders-pitr", {"recovery_target_time": "2026-03-14T09:00:00Z"})
    app = build_app(settings, Path("incidents"), engine)
    app.prepared = conductor  # type: ignore[attr-defined]
    return app


async def _confirm(pilot: Pilot) -> RunConfirm:
    app = pilot.app
    app.attach(app.prepared)
    await app.push_screen("checklist")
    app.start_run("restore")
    await until(pilot, lambda: bool(app.screen.query("#run-commands .dialog-text")))
    await pilot.pause(0.1)
    assert isinstance(app.screen, RunConfirm)
    return app.screen


def _lines(screen: RunConfirm) -> list[str]:
    """The confirmation's text as wrapped on screen."""
    text = screen.query_one("#run-commands .dialog-text", Static)
    content = text.render()
    assert isinstance(content, Content)
    return [line.plain for line in content.wrap(text.content_region.width)]


async def test_what_it_sends_is_on_screen_when_it_opens_and_the_rest_scrolls_by_keys(
    app,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _confirm(pilot)
        area = screen.query_one("#run-commands", VerticalScroll)
        await until(pilot, lambda: screen._width > 0 and "below" in _below(screen))
        lines = _lines(screen)
        shown = area.scrollable_content_region.height
        at = [next(i for i, ln in enumerate(lines) if ln.startswith(f)) for f in FIRST]
        assert at == sorted(at) and at[-1] < shown, (at, shown, lines)
        with_ = " ".join(lines[at[4] : at[5]])  # every parameter, above the commands
        said = [k for k, v in app.conductor.state.params.items() if v]  # an empty one: unsaid
        assert len(said) == 12 and all(f"{name}=" in with_ for name in said), with_
        # how it goes comes after the commands, and the line under them says so
        after = [i for i, ln in enumerate(lines) if ln.split(":")[0] in ("Waves", "Failures")]
        assert len(after) == 2 and min(after) > shown
        below = area.max_scroll_y
        assert _below(screen) == (
            f"▼ {below} lines below (↓ pgdn end): action, verify, Waves, Failures, Does, every line"
        ), _below(screen)
        assert app.focused is screen.query_one("#no", Button)  # the safe answer
        # What Enter does, under the buttons, as in every yes/no dialog (it said nothing)
        enter = screen.query_one("#confirm-hint", Static)
        assert str(enter.render()) == "Enter or esc: Cancel · y: Run on 2 host(s)"
        assert screen.region.contains_region(enter.region) and enter.region.height == 1
        await pilot.press("tab")  # the focus on the yes: Enter runs
        await until(pilot, lambda: str(enter.render()).startswith("Enter or y: Run on 2"))
        await pilot.press("shift+tab")
        await until(pilot, lambda: str(enter.render()).startswith("Enter or esc: Cancel"))

        await pilot.press("pagedown")
        paged = area.scroll_y
        await pilot.press("down")
        assert paged > 0 and area.scroll_y == paged + 1
        await until(pilot, lambda: _below(screen).startswith(f"▼ {int(below - paged) - 1} lines"))
        await pilot.press("end")
        assert area.scroll_y == area.max_scroll_y
        await until(pilot, lambda: _below(screen).startswith("▲ The end (home: the top)."))
        lines = _lines(screen)  # how it goes, before every line; the verify's last, last
        does = next(i for i, ln in enumerate(lines) if ln.startswith("Does: Base backup, then"))
        assert does < lines.index(IN_FULL)
        verify = screen.per_host["db-1"][-1][1].shown.strip().splitlines()[-1]
        assert lines[-2].startswith(f"    $ {verify}"[:60]), lines[-3:]
        await pilot.press("home")
        assert area.scroll_y == 0
        await pilot.press("pagedown", "pageup", "pageup")
        assert area.scroll_y == 0
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, RunConfirm))
    assert not app.conductor.state.step("restore").hosts  # nothing ran


def _below(screen: RunConfirm) -> str:
    """The line under what scrolls: how much is below, and what."""
    return str(screen.query_one("#run-below", Static).render())


# Commands of its own, short: the preset's would tie the picture to its every line, and the
# count of them said under the first screen (1538, then 1550 once the preset grew).
OWN = {
    "precheck": "test -d {{backup}} && test -d {{archive}}",
    "action": "pg_ctlcluster 15 main stop\nmv {{pgdata}} {{pgdata}}.replaced\nrestore-to"
    " {{recovery_target_time}}\npg_ctlcluster 15 main start",
    "verify": "pg_isready -q",
}


def test_snapshot_of_a_many_parameter_confirmation(snap_compare, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = _pitr_settings().dumped()
    next(s for s in data["strategies"] if s["name"] == "orders-pitr")["commands"] = OWN
    app = _pitr_app(Settings.validated(data))

    async def run_before(pilot: Pilot) -> None:
        screen = await _confirm(pilot)
        await until(pilot, lambda: screen.said_below)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


async def test_a_long_command_line_goes_on_under_itself_not_from_the_left_edge(app) -> None:
    """Seen at 80x24 on an undo's confirmation: a command line longer than the dialog
    wrapped to the dialog's left edge, where it read as text of the dialog's own (or as
    the next stage). Each part after the first goes on under the command's start."""
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _confirm(pilot)
        await until(pilot, lambda: screen._width > 0)
        await pilot.pause()
        lines = _lines(screen)
        sent = lines[next(i for i, ln in enumerate(lines) if ln.startswith("It sends")) + 1 :]
        sent = sent[: sent.index("")]  # then a blank line, and how it goes
        assert all(ln.startswith("  ") for ln in sent), sent
        went_on = [ln for ln in sent if ln.startswith("      ") and not ln.startswith("    $")]
        assert went_on, sent  # the pitr preset has lines longer than the dialog
        per_host = screen.per_host[next(iter(screen.per_host))]
        shown = "\n".join(ln[6:] for ln in sent if ln.startswith("    $ ") or ln in went_on)
        first = per_host[0][1].shown.strip().splitlines()[0]
        assert first.replace(" ", "") in shown.replace("\n", "").replace(" ", "")


async def test_the_parameter_typed_for_this_run_comes_before_the_presets_defaults(app) -> None:
    """Walking a point-in-time recovery at 80x24: the recovery target typed in the picker
    was one of 14 parameters in name order, on the checklist's detail pane past its last
    line (after pgdata), and in the confirmation's fourth line of them. What was given
    for this run comes first now, the configured defaults after it."""
    given = "recovery_target_time=2026-03-14T09:00:00Z; defaults:"
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(app.prepared)
        await app.push_screen("checklist")
        shown = await step_detail_shown(pilot, "restore")
        assert any(line.startswith(f"Strategy: orders-pitr ({given}") for line in shown), shown

        app.start_run("restore")
        await until(pilot, lambda: bool(app.screen.query("#run-commands .dialog-text")))
        await pilot.pause(0.1)
        assert isinstance(app.screen, RunConfirm)
        assert [line for line in _lines(app.screen) if line.startswith(f"With (12): {given}")]


async def test_every_line_of_each_command_is_shown_before_it_is_sent(app) -> None:
    """Seen at 80x24 on a real sshd fleet: the releases preset's action read six lines,
    then "… 16 more line(s)", so the restart it runs was never on screen before y sent
    it. Every line of every stage is in the confirmation now; the area scrolls to it."""
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _confirm(pilot)
        await until(pilot, lambda: screen._width > 0)
        await pilot.pause()
        lines = _lines(screen)
        assert not [ln for ln in lines if "more line(s)" in ln]
        shown = "".join("".join(ln.split()) for ln in lines)
        [first, *_] = screen.per_host
        for stage, command in screen.per_host[first]:
            for line in command.shown.strip().splitlines():
                assert "".join(line.split()) in shown, (stage, line)
        area = screen.query_one("#run-commands", VerticalScroll)
        for _ in range(200):  # PgDn reaches the last line
            if area.scroll_y >= area.max_scroll_y:
                break
            await pilot.press("pagedown")
        assert area.scroll_y == area.max_scroll_y > 0


def _sends_line(screen: RunConfirm) -> str:
    return next(ln for ln in _lines(screen) if ln.startswith("It sends"))


async def test_it_says_whether_every_host_gets_the_commands_shown(app) -> None:
    """Seen at 80x24 on a README fleet of 4 sshd hosts: "It sends, rendered for web-1
    (each host gets its own)" whether or not the others got the same; a host whose
    command differed was not said. Alike, it says so; else how many get what is shown."""
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _confirm(pilot)
        assert _sends_line(screen) == "It sends the same to each of the 2 hosts:"


async def test_a_host_whose_commands_differ_is_counted_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = _pitr_settings().dumped()
    for system in data["inventory"]["systems"]:
        if system["name"] == "db":
            system["hosts"][1]["workdir"] = "/srv/elsewhere"  # db-2 starts elsewhere
    app = _pitr_app(Settings.validated(data))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _confirm(pilot)
        said = " ".join(_sends_line(screen).split())
        assert said.startswith("It sends, rendered for db-1 (only db-1 gets exactly this; p on")


async def test_systems_are_named_in_the_configurations_order(tmp_path: Path) -> None:
    """Seen in tmux on 200 hosts: the confirmation read "Systems: api, web" (sorted) while
    the picker, the checklist and the record name them as configured: "web, api"."""
    settings = load_settings(demo_config())
    configured = [s.name for s in settings.inventory.systems if s.name in ("web", "api")]
    assert configured == ["web", "api"]  # not alphabetical: the point of the test
    app, conductor = web_and_api_app(tmp_path)
    app.prepared = conductor  # type: ignore[attr-defined]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _confirm(pilot)
        systems = [line for line in _lines(screen) if line.startswith("Systems:")]
        assert systems == ["Systems: web, api"], systems
        assert conductor.state.systems == ["web", "api"]  # as recorded


def _commands(lines: list[str]) -> list[str]:
    """The command lines among the text's lines, each whole again (a long one went on
    under its start: its parts join back to it)."""
    joined: list[str] = []
    for line in lines:
        if line.startswith("    $ "):
            joined.append(line[6:])
        elif line.startswith("      ") and joined:
            joined[-1] += line[6:]
    return joined


async def test_a_long_text_is_summed_up_by_stage_then_shown_whole_as_it_is_sent(app) -> None:
    """Seen at 80x24: the example's point-in-time recovery sends 1,059 lines, 1,562 rows
    of the dialog, what this run's values made of them scattered through them. Now each
    stage first says how many lines it sends and shows those a value went into (each
    once); how it goes follows; then every line, exactly as it is sent."""
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _confirm(pilot)
        await until(pilot, lambda: screen.said_below)
        lines = _lines(screen)
        full = lines.index(IN_FULL)
        summary = lines[: next(i for i, ln in enumerate(lines) if ln.startswith("Waves: "))]
        templates = dict(screen.templates)
        listed: list[str] = []
        for stage, command in screen.per_host["db-1"]:
            sent = command.shown.strip().splitlines()
            head = next(i for i, ln in enumerate(summary) if ln.startswith(f"  {stage}, "))
            assert summary[head].startswith(f"  {stage}, {len(sent):,} lines; "), summary[head]
            end = next(
                (i for i in range(head + 1, len(summary)) if not summary[i].startswith("    ")),
                len(summary),
            )
            shown = _commands(summary[head + 1 : end])
            filled = [command.shown.splitlines()[i] for i in filled_lines(templates[stage], command.shown) or []]  # fmt: skip
            assert filled and set(shown) <= set(filled), (stage, shown)  # its own lines only
            assert set(filled) <= {*shown, *listed}, stage  # each with a value: here or above
            assert "recovery_target_time" not in " ".join(shown) or stage  # values, not names
            listed += shown
        assert any("2026-03-14T09:00:00Z" in ln for ln in listed)  # the value typed, in place
        assert len(listed) < 60 < sum(len(c.shown.splitlines()) for _, c in screen.per_host["db-1"])
        # then every line, stage by stage, exactly as each host gets it
        every = [ln for _, c in screen.per_host["db-1"] for ln in c.shown.strip().splitlines()]
        assert _commands(lines[full:]) == [ln.expandtabs(1) for ln in every]  # a tab: a space
        assert [ln for ln in lines[full:] if re.fullmatch(r"  \S+:", ln)] == [
            "  precheck:",
            "  action:",
            "  verify:",
        ]
