"""Waves of different sizes (`[strategies.waves] sizes`, Ansible's `serial` list): one
canary host, then the rest together. Walked on a README fleet of 7 real sshd hosts: with
one `size` for every wave, "a canary, then the rest" was 7 waves and 6 questions. Now the
configuration says `sizes = [1, "100%"]` and the run, its undo, its dry run, the console's
confirmation and question, the journal and the document all go 1, then 6. Real OpenSSH
sshd, the command line and the console at 80x24 as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.payloads import WaveAsked
from console.model.state import HostStatus, StepStatus, fold
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.dialogs import ConfirmDialog
from tests.cli_fleet import Fleet
from tests.test_dialog_watch_line_sshd import screen_lines
from tests.test_needed_nothing_sshd import STRATEGIES, releases, releases_fleet, restore_started
from tests.test_ui_held_toasts import toasts
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
)
from tests.test_undo_waves_sshd import waves_of

pytestmark = pytest.mark.sshd

HOSTS = tuple(f"app-{n}" for n in range(1, 8))
CANARY_THEN_THE_REST = {"sizes": [1, "100%"], "confirm": True}
THE_REST = list(HOSTS[1:])


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    """Seven hosts on 2.10.0 (2.9.1 before it), the releases preset's version-rollback
    going canary first, then the other six together, asking between."""
    [strategy] = STRATEGIES["strategies"]
    waved = {"strategies": [{**strategy, "waves": CANARY_THEN_THE_REST}]}
    return releases_fleet(sshd_server, tmp_path, waved, HOSTS)


def run(fleet: Fleet, journal: Path | None = None, *more: str):
    kept = ("--journal", str(journal)) if journal else ()
    return fleet.cli(
        "run", "--systems", "app", "--strategy", "version-rollback",
        "--trigger", "user-impact", "--reason", "checkout errors", *kept, *more,
    )  # fmt: skip


def test_check_config_accepts_the_sizes_and_the_dry_run_shows_each_wave(fleet):
    checked = fleet.cli("check-config")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # no --strategy: the only one that applies to the system, as the console's picker
    dry = fleet.cli(
        "run", "--systems", "app", "--trigger", "user-impact", "--reason", "x", "--dry-run"
    )
    assert dry.returncode == 0, dry.stdout + dry.stderr
    restore = dry.stdout.split("[strategy]\n", 1)[1]
    assert restore.startswith(
        "# strategy: version-rollback\n"
        "# waves: 2 waves, of 1 and 6 hosts, a yes before each next one (--yes gives it\n"
        "# after a wave whose every host succeeded or needed nothing)\n"
        "#   wave 1 of 2: app-1\n"
        f"#   wave 2 of 2: {', '.join(THE_REST)}\n"
    ), restore
    assert set(releases(fleet).values()) == {"2.10.0"}  # nothing sent


def test_the_headless_run_goes_canary_then_the_rest_and_the_record_says_so(fleet, tmp_path):
    journal = tmp_path / "incident"
    ran = run(fleet, journal, "--yes")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert set(releases(fleet).values()) == {"2.9.1"}
    path = journal / "journal.jsonl"
    assert waves_of(path, "restore") == [["app-1"], THE_REST]
    events = read_journal(path).events
    [asked] = [e.data for e in events if e.kind == Kind.WAVE_ASKED]
    assert isinstance(asked, WaveAsked) and asked.hosts == THE_REST
    said = f"stopped to ask: wave 1 of 2 done, start wave 2 (6 hosts: {', '.join(THE_REST)})?"
    assert said in ran.stdout, ran.stdout
    assert f"wave 2 of 2 started (6 hosts: {', '.join(THE_REST)})" in ran.stdout

    document = fleet.cli("export", str(journal), "--format", "markdown").stdout
    timeline = document.split("## Timeline", 1)[1].split("\n## ", 1)[0]
    assert "| restore wave 1 of 2 (app-1): 1 host sent → 1 succeeded" in timeline, timeline
    assert f"| restore wave 2 of 2 ({', '.join(THE_REST)}): 6 hosts sent" in timeline

    # The undo goes in the same waves, in the order the step took its hosts.
    undo = fleet.cli("undo", str(journal), "restore", "--yes")
    assert undo.returncode == 0, undo.stdout + undo.stderr
    assert set(releases(fleet).values()) == {"2.10.0"}
    assert waves_of(path, "restore.undo") == [["app-1"], THE_REST]


def test_a_canary_that_fails_stops_the_rest(fleet, tmp_path):
    """The canary's release is missing: --yes does not widen past it to the other six."""
    journal = tmp_path / "incident"
    missing = fleet.sandboxes["app-1"] / "releases" / "2.9.1"
    missing.rename(missing.with_name("gone"))
    ran = run(fleet, journal, "--yes")
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert releases(fleet) == dict.fromkeys(HOSTS, "2.10.0")
    path = journal / "journal.jsonl"
    assert waves_of(path, "restore") == [["app-1"]]
    st = fold(read_journal(path).events).step("restore")
    assert {h: st.hosts[h].status for h in THE_REST} == dict.fromkeys(
        THE_REST, HostStatus.NOT_STARTED
    )


async def test_the_console_says_the_waves_and_names_the_next_ones_hosts(fleet, tmp_path):
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        read: list[str] = []
        conductor = await restore_started(pilot, read)
        assert "Waves: 2 waves, of 1 and 6 hosts, the probes read after each" in read[0], read
        assert "your yes before each next one" in read[0], read
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 30)
        question = " ".join(str(app.screen.query_one(".dialog-text").render()).split())
        assert "Start wave 2 of 2 (6 hosts: app-2, app-3, app-4 +3 more)?" in question, question
        assert releases(fleet)["app-2"] == "2.10.0"  # nothing sent to the rest while asked
        await pilot.press("y")
        await until(pilot, lambda: conductor.state.step("restore").status.finished, 60)
        assert conductor.state.step("restore").status is StepStatus.DONE
        assert set(releases(fleet).values()) == {"2.9.1"}

        # u: the undo's confirmation says the same waves; stopped after its canary.
        app.undo_step("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        about = " ".join(str(app.screen.query_one("#run-commands .dialog-text").render()).split())
        assert "Waves: 2 waves, of 1 and 6 hosts, your yes before each next one" in about, about
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 30)
        question = " ".join(str(app.screen.query_one(".dialog-text").render()).split())
        assert question.startswith("Wave 1 of 2 of “Undo: Restore previous version”"), question
        assert "Start wave 2 of 2 (6 hosts: app-2, app-3, app-4 +3 more)?" in question
        await pilot.press("escape")
        undo = conductor.state.step("restore.undo")
        await until(pilot, lambda: undo.status is StepStatus.STOPPED, 30)
        assert releases(fleet) == {"app-1": "2.10.0"} | dict.fromkeys(THE_REST, "2.9.1")
        # A no is not a failure: it read "✘ undo", "Undo failed (6 not started, 1
        # succeeded)" and an error toast "Undo failed", where the execution screen said
        # ◌ STOPPED.
        stopped = "Undo of “Restore previous version” stopped between its waves"
        await until(pilot, lambda: any(stopped in t for t in toasts(app)), 30)
        assert not any("Undo failed" in t for t in toasts(app)), toasts(app)
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        app.clear_notifications()  # read: they covered the step's detail
        await pilot.pause(0.3)
        shown = "\n".join(screen_lines(app))
        assert "◌ undo      4. Restore previous versi" in shown, shown
        assert "✘ undo" not in shown and "Undo failed" not in shown, shown
        said = " ".join(shown.split())
        assert "Undo stopped between its waves (6 not started, 1 succeeded): the hosts" in said
