"""The execution screen on the demo fleet: host keys, the ad-hoc command, waves and a halt."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widgets import Log, OptionList, Static

from console.demo.faults import Fault, FaultKind
from console.demo.fleet import DemoFleet
from console.journal.describe import describe
from console.model.events import Kind
from console.model.state import HostStatus
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.dialogs import ConfirmDialog
from console.ui.screens.execution import ExecutionScreen
from console.ui.screens.host_why import HostWhy
from console.ui.widgets.host_grid import HostGrid
from console.ui.widgets.key_footer import KeyFooter
from tests.fleet_settings import sshd_settings
from tests.test_reach import closed_port
from tests.test_ui_live_support import with_waves
from tests.test_ui_picker_reach import _with_ports
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    footer_keys,
    open_incident,
    start_evidence_step,
    toasts_once,
    type_slowly,
    type_text,
    until,
    until_shown,
)


async def _adhoc(pilot, command: str) -> None:
    await pilot.press("f3", "e")
    await type_text(pilot, command)
    await pilot.press("enter")


async def _ran_adhoc(pilot, command: str) -> None:
    """Open the incident, run `command` ad hoc on its three hosts, and wait for them all."""
    await open_incident(pilot)
    await _adhoc(pilot, command)
    await until(pilot, lambda: _done(pilot.app, "adhoc-1", 3))
    await pilot.pause(0.2)


async def _restore_confirmed(pilot, app, current: bool = False) -> None:
    """Open the incident, start its restore step and confirm it (`current`: the steps
    before it skipped, as the checklist's current step)."""
    await open_incident(pilot)
    while current and (step := app.conductor.current()) is not None and step.id != "restore":
        app.conductor.skip(step.id, "not part of this test")
    app.start_run("restore")
    await until(pilot, lambda: isinstance(app.screen, RunConfirm))
    await pilot.press("y")


async def _confirm_shown(pilot, app) -> None:
    """A confirmation dialog is the screen and composed: its text is there to read (the
    screen changes a step before its widgets are mounted)."""
    await until(
        pilot,
        lambda: isinstance(app.screen, ConfirmDialog) and bool(app.screen.query(".dialog-text")),
    )


def _done(app, step: str, hosts: int) -> bool:
    runs = app.conductor.state.step(step).hosts
    return len(runs) == hosts and all(r.status is not HostStatus.RUNNING for r in runs.values())


async def test_unknown_host_key_is_accepted_then_retried(tmp_path: Path) -> None:
    async with DemoFleet(demo_settings()) as fleet:
        port = fleet.settings.inventory.host("web-1").port
        known = fleet.root / "known_hosts"
        lines = known.read_text().splitlines()
        kept = [ln for ln in lines if not ln.startswith(f"[127.0.0.1]:{port} ")]
        known.write_text("\n".join(kept) + "\n")
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            await _adhoc(pilot, "echo hello")
            await until(pilot, lambda: _done(app, "adhoc-1", 3))
            await pilot.pause(0.2)
            run = app.conductor.state.step("adhoc-1").hosts["web-1"]
            assert run.failure.value == "host key unknown"
            grid = app.screen.query_one("#grid", HostGrid)
            assert "offers SHA256:" in str(grid.get_cell("web-1", "Last line"))
            assert "t Retry failed" in await footer_keys(pilot)
            grid.move_to_key("web-1")
            await pilot.press("k")
            await _confirm_shown(pilot, app)
            assert "SHA256:" in str(app.screen.query_one(".dialog-text", Static).render())
            await pilot.press("y")
            events = app.conductor.recorder.events
            await until(pilot, lambda: any(e.kind == Kind.HOSTKEY_ACCEPTED for e in events))
            await pilot.press("t")  # retry the failed host only
            await until(pilot, lambda: run_ok(app))

            # The footer is drawn anew after the state has the retry's end: wait for it.
            def retry_gone() -> bool:
                keys = app.screen.query_one(KeyFooter).query("FooterKey")
                shown = [f"{k.key_display} {k.description}" for k in keys]
                return bool(shown) and "t Retry failed" not in shown

            await until(pilot, retry_gone)  # nothing left to retry
            accepted = next(e for e in events if e.kind == Kind.HOSTKEY_ACCEPTED)
            assert accepted.who.user == "commander" and accepted.where.host == "web-1"


def run_ok(app) -> bool:
    runs = app.conductor.state.step("adhoc-2").hosts
    return list(runs) == ["web-1"] and runs["web-1"].status is HostStatus.SUCCEEDED


async def test_mismatched_host_key_is_refused(tmp_path: Path) -> None:
    faults = [Fault(FaultKind.WRONG_HOSTKEY, "web-2")]
    async with DemoFleet(demo_settings(), faults) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            await _adhoc(pilot, "true")
            await until(pilot, lambda: _done(app, "adhoc-1", 3))
            await pilot.pause(0.2)
            grid = app.screen.query_one("#grid", HostGrid)
            grid.move_to_key("web-2")
            await pilot.pause()
            await pilot.press("k")
            await until(
                pilot, lambda: "Refused: host key mismatch" in [n.title for n in app._notifications]
            )
            assert isinstance(app.screen, ExecutionScreen)  # no dialog: refused outright
            events = app.conductor.recorder.events
            assert not any(e.kind == Kind.HOSTKEY_ACCEPTED for e in events)


async def test_adhoc_command_on_all_hosts_then_on_the_highlighted_one(tmp_path: Path) -> None:
    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            await _adhoc(pilot, "echo assessed")
            await until(pilot, lambda: _done(app, "adhoc-1", 3))
            await until(pilot, lambda: getattr(app.screen, "step_id", None) == "adhoc-1")
            output = app.screen.query_one("#output", Log)  # drawn after the state has it
            await until(pilot, lambda: "assessed" in "\n".join(output.lines))
            grid = app.screen.query_one("#grid", HostGrid)
            grid.move_to_key("web-3")
            await pilot.press("e")
            await type_slowly(pilot, "hostname")
            await pilot.press("tab", "down", "enter", "shift+tab", "enter")
            await until(pilot, lambda: _done(app, "adhoc-2", 1))
            assert list(app.conductor.state.step("adhoc-2").hosts) == ["web-3"]


async def test_a_failed_hosts_reason_is_read_whole_at_80_columns(tmp_path: Path) -> None:
    """Seen at 80x24 on the demo fleet: a host's failure reason, longer than the pane is
    wide, read '! recovery failed: the cluster did not start; the data directory from
    before i' (the output pane cuts its lines at the width), and the grid's last line
    'recovery failed:…': what to do next was off the edge. The reason is now wrapped whole
    above the output; a host that succeeded has none."""
    reason = (
        "recovery failed: the cluster did not start; the data directory from before"
        " is kept at /srv/pg/main.replaced-42: undo puts it back"
    )
    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await _ran_adhoc(
                pilot, f"test $DEMO_HOST = web-1 || {{ echo '{reason}' >&2; exit 1; }}"
            )
            screen = app.screen
            why = screen.query_one("#output-why", Static)
            grid = screen.query_one("#grid", HostGrid)
            assert screen.host == "web-1" and not why.display  # it succeeded: nothing to say
            grid.move_to_key("web-2")
            await until(pilot, lambda: bool(why.display) and why.size.height > 1)
            lines = why.render_lines(Region(0, 0, why.size.width, why.size.height))
            shown = "".join("".join(seg.text for seg in line) for line in lines)
            assert "".join(shown.split()) == "✘" + "".join(reason.split()), shown
            assert screen.region.contains_region(why.region), why.region
            assert screen.query_one("#output").size.height > 0  # the output still shows


async def test_a_reason_longer_than_its_pane_is_read_whole_with_enter(tmp_path: Path) -> None:
    """Above the output the reason takes six lines at most (the output must still show):
    a longer one (a stack trace's line, a JSON error) is read whole in a dialog, Enter on
    the host; the pane's title says so."""
    reason = " ".join(
        f"frame{i} at com.example.Checkout.step{i}(Checkout.java:{i})" for i in range(16)
    )
    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            # The host writes it (typed whole, its 900 keys took a minute under load).
            frame = "frame$i at com.example.Checkout.step$i(Checkout.java:$i)"
            await _ran_adhoc(pilot, f'for i in $(seq 0 15); do printf "{frame} "; done >&2; exit 1')
            screen = app.screen
            why = screen.query_one("#output-why", Static)
            await until(pilot, lambda: bool(why.display) and why.size.height == 6)
            assert len(reason) > 6 * why.size.width  # it runs past its pane
            title = str(screen.query_one("#output-title").render())
            assert title == "Output of web-1 · ⏎ shows why, whole", title
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, HostWhy))
            dialog = app.screen
            await pilot.pause(0.1)
            shown = str(dialog.query_one("#why-text", Static).render())
            assert "".join(reason.split()) in "".join(shown.split())
            assert shown.startswith("✘ failed at run · non-zero exit (exit status 1) · try 1")
            assert app.screen.region.contains_region(dialog.query_one("#why-scroll").region)
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen)


async def test_waves_progress_and_the_halt_banner(tmp_path: Path) -> None:
    settings = with_waves(demo_settings(), size=1, max_fail_percentage=30)
    async with DemoFleet(settings, [Fault(FaultKind.FAIL, "web-1")]) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await _restore_confirmed(pilot, app, current=True)
            await until(pilot, lambda: app.conductor.state.step("restore").halted is not None)
            await until(pilot, lambda: "restore" not in app.conductor.running)
            screen = app.screen
            # Each drawn at a sync after the last host's record: the halt is journalled
            # before the later waves' hosts are said not started (an await between each),
            # so a sync between them drew HALTED with none of them yet, and the screen syncs
            # after the conductor has moved on (later on a loaded machine).
            halt = await until_shown(pilot, "#exec-halt", "2 host(s) not started")
            assert "HALTED" in halt
            assert "1 of 3 host(s) failed" in halt and "limit of 30%" in halt
            # The hosts never sent anything are not counted finished, but said apart.
            counts = await until_shown(pilot, "#exec-counts", "2 not started")
            assert counts.startswith("1 of 3 hosts finished · 1 failed: web-1 · 2 not started"), (
                counts
            )
            # The waves not begun: one phrase (each its own, the last lost its word at 80)
            waves = await until_shown(pilot, "#exec-waves", "2–3 of 3 not started")
            assert waves.strip() == "Waves ✘ 1/3 0 ok, 1 failed · ○ 2–3 of 3 not started", waves
            grid = screen.query_one("#grid", HostGrid)
            await until(pilot, lambda: "not started" in str(grid.get_cell("web-2", "Status")))
            # The checklist says it was halted by a failure, not stopped between waves
            # (seen at 80x24 on a real sshd fleet), and how to go on.
            await pilot.press("f2")
            todo = app.screen.query_one("#where-todo", Static)
            words = "Halted by failures, web-2, web-3 not started: F3 then t retries the failed"
            await until(pilot, lambda: words in " ".join(str(todo.render()).split()))


async def test_waves_that_ask_wait_for_the_commander_between_waves(tmp_path: Path) -> None:
    """`waves.confirm`: after the canary the console asks; y starts the next wave, Esc
    stops there. Both answers, and who gave them, are in the record."""
    settings = with_waves(demo_settings(), size=1, max_fail_percentage=None, confirm=True)
    async with DemoFleet(settings) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await _restore_confirmed(pilot, app)
            await _confirm_shown(pilot, app)
            runs = app.conductor.state.step("restore").hosts
            assert runs["web-1"].status is HostStatus.SUCCEEDED and "web-2" not in runs
            question = str(app.screen.query_one(".dialog-text", Static).render())
            assert "Wave 1 of 3 of “Restore previous version” has finished: 1 ok, 0 did" in question
            await pilot.press("y")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog) and _done_2(app))
            await pilot.press("escape")
            await until(pilot, lambda: "restore" not in app.conductor.running)
            await pilot.pause(0.2)
            runs = app.conductor.state.step("restore").hosts
            assert runs["web-2"].status is HostStatus.SUCCEEDED
            assert runs["web-3"].status is HostStatus.NOT_STARTED
            halt = str(app.screen.query_one("#exec-halt", Static).render())
            # a no stops the waves: not halted, as a probe not healthy halts them
            assert halt.startswith(" ◌ STOPPED  wave 3 of 3: not confirmed"), halt
            assert halt.endswith("1 host(s) not started · t goes on with them"), halt
            asked = [
                (e.kind, e.where.step, describe(e).split(": answered")[0])
                for e in app.conductor.recorder.events
                if e.kind in (Kind.WAVE_ASKED, Kind.WAVE_ANSWERED)
            ]
            assert asked == [
                (
                    Kind.WAVE_ASKED,
                    "restore",
                    "stopped to ask: wave 1 of 3 done, start wave 2 (1 host: web-2)?",
                ),
                (Kind.WAVE_ANSWERED, "restore", "wave 2 of 3 confirmed"),
                (
                    Kind.WAVE_ASKED,
                    "restore",
                    "stopped to ask: wave 2 of 3 done, start wave 3 (1 host: web-3)?",
                ),
                (Kind.WAVE_ANSWERED, "restore", "wave 3 of 3 not started"),
            ]
            answers = [
                e.data for e in app.conductor.recorder.events if e.kind == Kind.WAVE_ANSWERED
            ]
            assert [(a.by, a.go_on) for a in answers] == [("commander", True), ("commander", False)]


def _done_2(app) -> bool:
    return app.conductor.state.step("restore").hosts["web-2"].status is HostStatus.SUCCEEDED


async def test_problems_only_keeps_the_hosts_that_did_not_succeed(tmp_path: Path) -> None:
    async with DemoFleet(demo_settings(), [Fault(FaultKind.FAIL, "web-2")]) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await _restore_confirmed(pilot, app)
            await until(pilot, lambda: _done(app, "restore", 3))
            await until(pilot, lambda: "restore" not in app.conductor.running)
            await pilot.press("f3")
            grid = app.screen.query_one("#grid", HostGrid)
            await until(pilot, lambda: grid.row_count == 3)
            await pilot.press("p")
            await until(pilot, lambda: grid.keys == ["web-2"])
            title = str(app.screen.query_one("#exec-counts", Static).render())
            assert "showing 1 problem host(s), p shows all" in title
            assert "Output of web-2" in str(app.screen.query_one("#output-title").render())
            await pilot.press("p")
            await until(pilot, lambda: grid.keys == ["web-1", "web-2", "web-3"])


async def test_a_soak_no_probe_watches_offers_the_skip_not_a_retry(tmp_path: Path) -> None:
    """A configuration from the quickstart has no probes: its probe step fails before a
    round, and a retry would sample nothing again, so the screen says how to skip it."""
    from console.model.settings import Settings
    from console.model.status import StepStatus

    data = demo_settings().dumped()
    data["triggers"]["triggers"] = []
    for system in data["inventory"]["systems"]:
        system["probes"] = []
    app = build_app(Settings.validated(data), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.start_run("verify")
        await until(pilot, lambda: app.conductor.state.step("verify").status is StepStatus.FAILED)
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        said = "✘ failed · no probes watch web: add [[systems.probes]]"
        counts = await until_shown(pilot, "#exec-counts", said)  # drawn at its screen's next sync
        assert counts.startswith(said)
        assert counts.endswith("· F2 back to the checklist, where s skips it")  # not on F3
        assert "retries" not in counts
        assert "t Retry failed" not in await footer_keys(pilot)  # it would fail the same way
        # the toast says why, not "Retry failed hosts" (no host failed)
        summary = app.conductor.state.step("verify").summary
        assert summary.startswith("not verified, nothing sampled: no probes watch web")
        toasts = [n.message for n in app._notifications if n.title == "Step failed"]
        assert toasts == [f"“Verify system stability”: {summary}"]


async def test_a_gradual_re_enable_says_its_stages_and_what_stopping_leaves(
    tmp_path: Path,
) -> None:
    """The confirmation said 'Waves: all 3 at once' of a re-enable in four stages, and
    between stages 'Stop here, and the hosts of later stages are not started': every host
    is in every stage; stopping leaves them all at the stage's percentage."""
    data = demo_settings().dumped()
    for strategy in data["strategies"]:
        if strategy["name"] == "feature-reenable":
            strategy["waves"] = {"confirm": True}
    settings = type(demo_settings()).validated(data)
    async with DemoFleet(settings) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            app.conductor.choose_strategy("feature-reenable")
            app.start_run("restore")
            await until(
                pilot,
                lambda: (
                    isinstance(app.screen, RunConfirm)
                    and bool(app.screen.query("#run-commands .dialog-text"))
                ),
            )
            shown = app.screen.query_one("#run-commands .dialog-text", Static)
            about = " ".join(str(shown.render()).split())
            assert (
                "Stages: 5%, 25%, 50%, 100%, each checked on every host before the next," in about
            )
            assert "your yes before each next one" in about
            await pilot.press("y")
            await _confirm_shown(pilot, app)
            asked = app.screen.query_one(".dialog-text", Static)
            question = " ".join(str(asked.render()).split())
            assert "Stage 1 of 4 (5%) of “Restore previous version” has finished" in question
            assert "has finished: 3 hosts at 5%." in question, question
            assert (
                "Start stage 2 of 4 (25%): 3 hosts from 5% to 25%, then 2 stages left" in question
            )
            assert "Stop here, and every host is held at 5%" in question
            assert "a retry of the step goes on with stage 2" in question
            assert "later stages" not in question
            await pilot.press("escape")
            await until(pilot, lambda: "restore" not in app.conductor.running)


async def test_a_connection_dropped_mid_action_leaves_the_step_unknown(tmp_path: Path) -> None:
    """The demo fleet drops web-2's connection after a command's first line: the step
    read '✘ failed' with a 'Step failed' toast, though no host failed; it reads '? unknown'
    on the checklist at 80x24 and the toast says V verifies, R retries only it."""
    from textual.widgets import OptionList

    from console.model.settings import Settings
    from console.model.status import StepStatus

    data = demo_settings().dumped()
    for strategy in data["strategies"]:  # a silent precheck: the drop comes in the action
        if strategy["name"] == "version-rollback":
            strategy["commands"]["precheck"] = "test -L current"
    settings = Settings.validated(data)
    async with DemoFleet(settings, [Fault(FaultKind.DROP, "web-2")]) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await _restore_confirmed(pilot, app)
            await until(pilot, lambda: "restore" not in app.conductor.running)
            st = app.conductor.state.step("restore")
            web2 = st.hosts["web-2"]
            assert (web2.status, web2.stage) == (HostStatus.UNKNOWN, "action"), web2
            assert (st.status, st.summary) == (StepStatus.UNKNOWN, "2 succeeded, 1 unknown")
            toasts = await toasts_once(pilot, "Step outcome unknown")
            said = "“Restore previous version”: 2 succeeded, 1 unknown."
            # one host unknown: "it" (it read "v verifies them")
            assert ("Step outcome unknown", f"{said} v verifies it, r retries only it.") in (
                toasts
            ), toasts
            await pilot.press("f2")
            steps = app.screen.query_one("#steps", OptionList)
            shown = str(steps.get_option("restore").prompt)
            assert "? unknown" in shown, shown


@pytest.mark.sshd
async def test_failed_hosts_among_many_are_named_in_the_heading(tmp_path: Path, sshd_server):
    """Seen at 80x24 on a real sshd fleet of 52: a step with 4 failed hosts read
    '52 of 52 hosts finished · 4 failed', its grid showing shop-01..07, all succeeded; the
    failed ones were rows 23 to 52, out of sight. The heading now names them, in the
    grid's order, three at most (p shows them alone, the output pane why)."""
    names = [f"web-{n:02d}" for n in range(1, 31)]
    settings, _ = sshd_settings(sshd_server, dict.fromkeys(names, "web"))
    closed = closed_port()
    gone = ["web-12", "web-23", "web-27", "web-30"]
    settings = _with_ports(settings, dict.fromkeys(gone, closed))
    app = build_app(settings, tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        await _adhoc(pilot, "true")
        await until(pilot, lambda: _done(app, "adhoc-1", 30), timeout=120)
        runs = app.conductor.state.step("adhoc-1").hosts
        assert [h for h, r in runs.items() if r.status is HostStatus.FAILED] == gone
        said = "30 of 30 hosts finished · 4 failed: web-12, web-23, web-27 (+1 more)"
        await until_shown(pilot, "#exec-counts", said)  # drawn at its screen's next sync
        grid = app.screen.query_one("#grid", HostGrid)
        shown = [grid.render_line(y).text for y in range(grid.size.height)]
        assert not any("web-12" in row for row in shown)  # out of the grid's sight
        await pilot.press("p")  # listed by the grid now
        await until_shown(pilot, "#exec-counts", "4 failed · showing 4 problem host(s)")


@pytest.mark.sshd
async def test_a_checklist_step_names_its_failed_hosts(tmp_path: Path, sshd_server):
    """Seen at 80x24 on a real sshd fleet of 52: the checklist said of a failed step
    'Result: 4 failed, 48 succeeded' and no host; it now names them, and the key to why."""
    names = [f"web-{n:02d}" for n in range(1, 13)]
    settings, _ = sshd_settings(sshd_server, dict.fromkeys(names, "web"))
    settings = _with_ports(settings, {"web-07": closed_port()})
    app = build_app(settings, tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        await start_evidence_step(pilot)
        await until(pilot, lambda: _done(app, "capture-evidence", 12), timeout=120)
        await pilot.press("f2")
        await until(pilot, lambda: bool(app.screen.query("#step-detail")))
        steps = app.screen.query_one("#steps", OptionList)
        steps.highlighted = steps.get_option_index("capture-evidence")
        detail = await until_shown(
            pilot, "#step-detail", "✘ failed: 1 connection refused (web-07) · F3 shows why"
        )
        assert "✘ failed: 1 connection refused (web-07) · F3 shows why" in detail.splitlines(), (
            detail
        )
