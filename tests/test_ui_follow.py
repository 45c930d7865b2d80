"""Follow: another process's journal, live and read-only, with who is driving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from console.journal.recorder import Recorder
from console.journal.store import read_journal
from console.model.clock import FixedClock
from console.model.events import Kind
from console.model.state import HostStatus
from console.ui.follow import FollowApp, make_follow_app
from console.ui.screens.checklist import ChecklistScreen
from console.ui.widgets.mode_banner import ModeBanner
from tests.events_factory import recorder_in
from tests.test_ui_support import _close_engines, _no_cursor_blink, demo_settings, until  # noqa: F401

SIZES = {"80x24": (80, 24), "120x36": (120, 36)}
SCREEN_TIME = datetime(2026, 11, 28, 9, 42, tzinfo=UTC)
WHERE = {"system": "web", "step": "restore"}


def writer(directory: Path, hosts: tuple[str, ...] = ("web-1",)) -> Recorder:
    """The driving console's journal, up to the start of `restore` on `hosts` (steps from
    the config)."""
    settings = demo_settings()
    r = recorder_in(directory)
    r.record(
        Kind.INCIDENT_OPENED,
        incident_id="20261128-093000-beef",
        title="Checkout 500s after 2.4.1",
        procedure=settings.procedure.name,
        steps=[
            {"id": s.id, "title": s.title, "kind": s.kind.value, "phase": p.phase.value}
            for p in settings.procedure.phases
            for s in p.steps
        ],
    )
    r.record(
        Kind.TRIGGER_DECLARED,
        kind="user-impact",
        label="User impact assessment",
        automatic=False,
        reason="checkout fails for 30% of users",
    )
    r.record(Kind.SYSTEMS_SELECTED, systems=["web"], hosts={f"web-{i}": "web" for i in (1, 2, 3)})
    r.record(Kind.STEP_CONFIRMED, step="open-bridge", title="Open the bridge", phase="immediate")
    r.record(Kind.NOTE_ADDED, step="open-bridge", text="bridge open on #inc-checkout")
    r.record(Kind.LOCK_ACQUIRED, systems=["web"], pid=4242, host="jump-1")
    r.record(Kind.STEP_STARTED, step="restore", title="Restore", phase="execution", hosts=[*hosts])
    return r


def run_on(r: Recorder, host: str) -> None:
    r.record(
        Kind.COMMAND_INTENT,
        host=host,
        command="ln -sfn 2.4.0 current",
        stage="action",
        attempt=1,
        **WHERE,
    )
    r.record(Kind.COMMAND_OUTPUT, host=host, stream="stdout", lines=["now on 2.4.0"], **WHERE)
    r.record(Kind.COMMAND_RESULT, host=host, stage="action", final=True, exit_status=0, **WHERE)


def follow_app(journal: Path) -> FollowApp:
    return make_follow_app(journal, FixedClock(SCREEN_TIME, tick=timedelta(0)))


def banner(app: FollowApp) -> str:
    return str(app.screen.query_one(ModeBanner).render())


async def test_follow_shows_new_events_refuses_actions_and_names_the_driver(
    tmp_path: Path,
) -> None:
    r = writer(tmp_path)
    app = follow_app(r.path)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        await pilot.pause(0.1)
        shown = banner(app)
        assert "READ-ONLY" in shown and "following 20261128-093000-beef" in shown
        assert "commander@10.0.0.7" in shown and "lock on web: pid 4242 on jump-1" in shown
        assert app.conductor.current().id == "stop-traffic-shift"

        # Keys that would act are refused: nothing reaches the journal, and it says so.
        before = len(read_journal(r.path).events)
        await pilot.press("enter", "s", "n", "v", "r")
        await pilot.press("f3", "a", "t", "n")
        await pilot.press("f4", "s", "n")
        await pilot.press("f6", "ctrl+s")
        # The refusals are toasts, posted as messages: wait for them (bounded).
        await until(pilot, lambda: any("Read-only" in n.message for n in app._notifications))
        assert len(read_journal(r.path).events) == before
        assert app.screen.query_one(ModeBanner).display

        # The writer goes on; the follower sees it within a poll or two.
        run_on(r, "web-1")
        r.record(Kind.NOTE_ADDED, text="web-1 is back on 2.4.0")
        await pilot.press("f4")
        state = app.conductor.state
        await until(pilot, lambda: state.last_seq == r.state.last_seq, timeout=5)
        timeline = app.screen.query_one("#timeline")
        last = lambda: timeline.fetch(timeline.rows[-1])  # noqa: E731
        await until(pilot, lambda: last().seq == r.state.last_seq, timeout=5)
        assert "web-1 is back on 2.4.0" in str(timeline.format_row(last(), 120))
        assert state.step("restore").hosts["web-1"].status is HostStatus.SUCCEEDED
        await pilot.press("f3")
        grid = app.screen.query_one("#grid")
        await until(pilot, lambda: "web-1" in grid.rows, timeout=5)
        assert "succeeded" in str(grid.get_cell("web-1", "Status"))

        # A second driver shows up as soon as it writes.
        r.actor = r.actor.replace(user="bob", client="10.0.0.9")
        r.record(Kind.NOTE_ADDED, text="bob takes over the bridge")
        await until(pilot, lambda: "bob@10.0.0.9" in banner(app), timeout=5)
    r.close()


def _snap(screen_key: str | None):
    async def run_before(pilot: Pilot) -> None:
        await until(pilot, lambda: isinstance(pilot.app.screen, ChecklistScreen))
        if screen_key:
            await pilot.press(screen_key)
        await pilot.pause(0.3)

    return run_before


@pytest.mark.parametrize("screen", ["checklist", "execution", "timeline"])
@pytest.mark.parametrize("size", SIZES)
def test_follow_snapshot(snap_compare, tmp_path: Path, size: str, screen: str) -> None:
    r = writer(tmp_path)
    run_on(r, "web-1")
    run_on(r, "web-2")
    r.record(
        Kind.COMMAND_INTENT,
        host="web-3",
        command="ln -sfn 2.4.0 current",
        stage="action",
        attempt=1,
        **WHERE,
    )
    r.close()
    key = {"checklist": None, "execution": "f3", "timeline": "f4"}[screen]
    assert snap_compare(follow_app(r.path), run_before=_snap(key), terminal_size=SIZES[size])


def test_follow_builds_the_checklist_from_step_events_when_opened_has_none(
    tmp_path: Path,
) -> None:
    """Older journals carry no steps list: the steps seen so far are the checklist."""
    from console.journal.store import read_journal as read
    from console.ui.follow import journal_settings
    from tests.test_exports import write_fixed_journal

    path = write_fixed_journal(tmp_path)
    procedure = journal_settings(read(path).events).procedure
    assert [(s.id, s.kind.value) for s in procedure.steps] == [
        ("open-bridge", "manual"),
        ("restore", "command"),
    ]
    assert procedure.phase_of("restore").value == "execution"


async def test_when_the_writer_dies_its_running_hosts_become_unknown(tmp_path: Path) -> None:
    import socket
    import subprocess

    r = writer(tmp_path)
    dead = subprocess.Popen(["true"])  # a pid on this machine that no longer runs
    dead.wait()
    r.record(Kind.LOCK_RELEASED, systems=["web"])
    r.record(Kind.LOCK_ACQUIRED, systems=["web"], pid=dead.pid, host=socket.gethostname())
    r.record(Kind.COMMAND_INTENT, host="web-2", command="true", stage="action", attempt=1, **WHERE)
    app = follow_app(r.path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f3")
        grid = app.screen.query_one("#grid")
        await until(pilot, lambda: "web-2" in grid.rows, timeout=5)
        await until(pilot, lambda: "unknown" in str(grid.get_cell("web-2", "Status")), timeout=5)
        # A strategy step: its strategy's verify settles the host (the journal alone says
        # it; the follower's settings, read from it, know no strategy).
        assert "verify before retrying" in str(grid.get_cell("web-2", "Last line"))
        assert f"GONE: pid {dead.pid}" in banner(app)
        assert any(n.title == "Writer gone" for n in app._notifications)
        # The step's detail named the commander's keys (v verifies, r retries): whose.
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        app.screen.select_step("restore")
        detail = app.screen.query_one("#step-detail")
        await until(pilot, lambda: "unknown: verify before retrying" in str(detail.render()))
        said = " ".join(str(detail.render()).split())
        assert "the commander verifies or retries them" in said, said
        assert "retries only them" not in said, said
    r.close()


def test_the_follow_view_loads_no_engine() -> None:
    """Its screens read an IncidentView: neither the conductor, SSH nor asyncssh is loaded
    (only the engine's exception classes, which the screens catch)."""
    import subprocess
    import sys

    probe = (
        "import sys, console.ui.follow, console.ui.screens.help\n"
        "from console.ui.incident_screens import SCREENS\n"
        "for row in SCREENS: row.screen_class()\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[:2] == ['console', 'engine']"
        " or m == 'asyncssh')))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded == ["console.engine", "console.engine.errors"]


async def test_a_follower_is_never_offered_what_only_the_commander_can_do(
    tmp_path: Path,
) -> None:
    """The form's title said 'Tab moves · ^s saves' to a follower, and once the incident
    closed, 'can still be amended (F5)' and 'Amending the closed incident': its fields and
    Save are disabled there (amendments are the commander's, with `resume`)."""
    r = writer(tmp_path)
    app = follow_app(r.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        await pilot.press("f5")
        title = app.screen.query_one("#form-title")
        await until(pilot, lambda: "Post-rollback" in str(title.render()))
        assert "saves" not in str(title.render()), str(title.render())
        assert "read-only" in str(title.render())

        r.record(Kind.INCIDENT_CLOSED, outcome="aborted", label="aborted: drill", reason="drill")
        await until(pilot, lambda: app.conductor.state.closed, timeout=5)
        await pilot.pause(0.2)
        assert "mend" not in str(title.render()), str(title.render())
        assert "read-only" in str(title.render())
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        todo = app.screen.query_one("#where-todo")
        await until(pilot, lambda: "exports" in str(todo.render()))
        assert "amended" not in str(todo.render()), str(todo.render())
        # The banner says the outcome in words, as the checklist does (seen through
        # `serve`: '(closed: rolled-back)' under '■ closed: rolled back and verified').
        await until(pilot, lambda: "(closed: aborted: drill)" in banner(app))
    r.close()


async def test_a_waved_step_counts_every_host_it_started_with(tmp_path: Path) -> None:
    """In the pause after the canary wave, the heading said '1 of 1 hosts finished' of a
    step started on three hosts: the hosts of later waves were not counted."""
    r = writer(tmp_path, hosts=("web-1", "web-2", "web-3"))
    r.record(Kind.WAVE_STARTED, wave=1, waves=3, hosts=["web-1"], **WHERE)
    run_on(r, "web-1")
    r.record(Kind.WAVE_FINISHED, wave=1, waves=3, succeeded=1, failed=0, **WHERE)
    app = follow_app(r.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        await pilot.press("f3")
        heading = app.screen.query_one("#exec-counts")
        await until(pilot, lambda: "hosts finished" in str(heading.render()))
        assert str(heading.render()).startswith("1 of 3 hosts finished"), str(heading.render())
    r.close()


async def test_a_follower_sees_the_hosts_a_strategy_step_goes_to(tmp_path: Path) -> None:
    """A follower of a real incident (run --demo, journalled in a directory of its own) read
    'Hosts: none: no selected system lists version-rollback' under the strategy step that
    rolled web back: the settings built from the journal gave its systems no strategies."""
    from console.ui.screens.step_detail import step_detail
    from tests.console_process import console

    journal = tmp_path / "incident"
    ran = console(
        *("run", "--demo", "--systems", "web", "--strategy", "version-rollback"),
        *("--trigger", "user-impact", "--reason", "checkout errors", "--yes"),
        *("--journal", str(journal)),
    )
    assert ran.returncode in (0, 1), ran.stderr  # how it ended is not the point
    app = follow_app(journal / "journal.jsonl")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        screen = app.screen
        step = app.incident.step("restore")
        said = step_detail(
            app, app.incident, step, screen._status(app.incident.state.step("restore"))
        )
        assert "\nHosts: 3 in web" in said.plain, said.plain
        # A follower's settings (built from the journal) have no probes: its stability
        # check never reads "Holds nothing".
        verify = app.incident.step("verify")
        held = step_detail(
            app, app.incident, verify, screen._status(app.incident.state.step("verify"))
        )
        assert "Holds" not in held.plain, held.plain
        # Nor does it offer p, whose commands it cannot render (it said "Nothing to preview").
        assert "shows every command" not in said.plain
        assert not app.screen.check_action("preview", ())


async def test_keys_over_the_palette_are_the_palettes_not_refused(tmp_path: Path) -> None:
    """Random keys at 80x24 following an incident: PageDown in the command palette (its
    "Next page") toasted 'Read-only: … “Next page” is disabled here' while it paged, and
    "v" typed into its search said verifying was disabled: only the incident's screens
    and the app's own keys are refused."""
    r = writer(tmp_path)
    app = follow_app(r.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        await pilot.press("ctrl+p")
        await until(pilot, lambda: app.screen.id == "--command-palette")
        await pilot.press("pagedown", "down", "v", "r")
        await pilot.pause(0.3)
        assert [n.message for n in app._notifications] == []
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        await pilot.press("v")  # on the incident's own screen it is refused, and says so
        await until(pilot, lambda: any("Read-only" in n.message for n in app._notifications))


async def test_esc_goes_back_one_screen_and_out_of_the_follow_view(tmp_path: Path) -> None:
    """README: Esc goes back one screen. Followed from the home screen (f) at 80x24, Esc on
    the follow view's checklist did nothing: nothing is beneath it there but what started
    it (the home screen, a shell), so Esc leaves it, as ^q does."""
    r = writer(tmp_path)
    app = follow_app(r.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        await pilot.press("f4", "escape")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        await pilot.press("escape")
        await until(pilot, lambda: app.return_code == 0)
    r.close()
