"""Half a fleet rolled back already by a colleague's incident: the version-rollback
(releases) preset's precheck refuses those hosts (exit 120, nothing to do there). A step
whose other hosts succeeded is done, its refused hosts needed nothing, and the walk goes on
to the stability check of every host: headless `run` exits 0 and its close, like the
document, names the hosts changed and those that needed nothing (with why), never as "not
rolled back". Refused everywhere, nothing this incident did: still refused, exit 3 (the
delivery halted by a command step rolls nothing back). The undo puts back only the hosts
the step changed. In the console at 80x24 the step reads done, the grid and the checklist
say which hosts needed nothing, and the walk goes on to the stability check and the close.
Real OpenSSH sshd, real journals, the command line as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomli_w
from textual.widgets import Input, Label, RadioSet, Static

from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.outcome import Outcome
from console.model.state import HostStatus, StepStatus, fold
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.close import CloseDialog
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.dialogs import ConfirmDialog
from console.ui.widgets.host_grid import HostGrid
from tests.cli_fleet import Fleet, write_fleet
from tests.fleet_settings import chown_tree
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    open_incident,
    until,
    until_shown,
)

pytestmark = pytest.mark.sshd

HOSTS = ("app-1", "app-2", "app-3", "app-4")
STRATEGIES = {
    "strategies": [
        {
            "name": "version-rollback",
            "kind": "version-rollback",  # the releases preset
            "params": [{"name": "restart", "default": "true"}],
        }
    ]
}
PROCEDURE = {
    "name": "Rollback",
    "phases": [
        {
            "phase": "immediate",
            "steps": [{"id": "open-bridge", "title": "Open the bridge", "kind": "manual"}],
        },
        {
            "phase": "execution",
            "steps": [
                # changes every host, rolls nothing back: not what "changed" means for run's exit
                {
                    "id": "halt",
                    "title": "Halt delivery",
                    "kind": "command",
                    "command": "touch lock",
                },
                {
                    "id": "assess",
                    "title": "Assess",
                    "kind": "command",
                    "records": "assessment",
                    "confirm": False,
                    "command": 'echo "release=$(basename "$(readlink current)")"',
                },
                {"id": "restore", "title": "Restore previous version", "kind": "strategy"},
                {
                    "id": "verify",
                    "title": "Verify system stability",
                    "kind": "probe",
                    "soak": {"samples": 2, "max_samples": 4, "interval": 0.2},
                },
            ],
        },
        {
            "phase": "post",
            "steps": [{"id": "doc", "title": "Document", "kind": "form", "fields": ["reason"]}],
        },
    ],
}
HEALTH = {
    "name": "health",
    "kind": "command",
    "command": "test -L current && echo ok || echo down",
    "interval": 0.5,
}
# The colleague's incident rolled app-1 and app-2 back; so does an undo of ours.
AFTER_FIRST = {"app-1": "2.9.1", "app-2": "2.9.1", "app-3": "2.10.0", "app-4": "2.10.0"}
ALREADY = "already rolled back to 2.9.1 (from 2.10.0, incident {}): previous would go further"


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    return releases_fleet(sshd_server, tmp_path, STRATEGIES, HOSTS)


def releases_fleet(sshd_server, tmp_path: Path, strategies: dict, hosts: tuple[str, ...]) -> Fleet:
    """`hosts` on 2.10.0 (2.9.1 before it), the procedure above, `strategies`."""
    files = {"strategies.toml": strategies, "procedure.toml": PROCEDURE}
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["version-rollback"], probes=[HEALTH], hosts=hosts
    )
    for sandbox in fleet.sandboxes.values():
        for version in ("2.9.1", "2.10.0"):
            (sandbox / "releases" / version).mkdir(parents=True)
        (sandbox / "current").symlink_to("releases/2.10.0")
        chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)
    return fleet


def run(fleet: Fleet, journal: Path, *hosts: str, named: tuple[str, ...] = ()):
    chosen = ("--hosts", ",".join(hosts)) if hosts else ()
    return fleet.cli(
        "run", "--systems", "app", *chosen, "--strategy", "version-rollback", *named,
        "--trigger", "user-impact", "--reason", "checkout errors", "--yes",
        "--journal", str(journal),
    )  # fmt: skip


def releases(fleet: Fleet) -> dict[str, str]:
    return {h: (s / "current").readlink().name for h, s in fleet.sandboxes.items()}


def colleagues_incident(fleet: Fleet, tmp_path: Path) -> str:
    """A first incident rolls app-1 and app-2 back: its id."""
    first = run(fleet, tmp_path / "first", "app-1", "app-2")
    assert first.returncode == 0, first.stdout + first.stderr
    assert releases(fleet) == AFTER_FIRST
    return fold(read_journal(tmp_path / "first" / "journal.jsonl").events).incident_id or ""


def test_a_run_where_half_the_fleet_needed_nothing_goes_on_and_verifies(fleet, tmp_path):
    first = colleagues_incident(fleet, tmp_path)

    done = run(fleet, tmp_path / "second")

    assert done.returncode == 0, done.stdout + done.stderr  # it was NOT VERIFIED, exit 1
    assert set(releases(fleet).values()) == {"2.9.1"}
    verdict = done.stdout.strip().splitlines()[-1]
    why = ALREADY.format(first)
    said = f"rolled back and verified; needed nothing, nothing changed there: app-1, app-2: {why}"
    assert said in verdict, verdict
    assert "not rolled back" not in done.stdout
    assert "did not succeed" not in done.stdout  # the hosts that needed nothing are no problem
    assert "rollback-console undo" not in done.stdout
    state = fold(read_journal(tmp_path / "second" / "journal.jsonl").events)
    restore = state.step("restore")
    assert restore.status is StepStatus.DONE
    assert restore.summary.startswith("2 succeeded; 2 needed nothing, nothing changed there (")
    assert sorted(restore.needed_nothing()) == ["app-1", "app-2"]
    assert state.step("verify").status is StepStatus.DONE  # the walk went on
    assert state.outcome == Outcome.ROLLED_BACK

    journal = str(tmp_path / "second" / "journal.jsonl")
    document = " ".join(fleet.cli("export", journal).stdout.split())
    assert "ran on 4 hosts (2 needed nothing, 2 succeeded)" in document
    for host in ("app-1", "app-2"):
        row = f"| {host} | ⊘ needed nothing: nothing changed by this incident | {why}"
        assert row in document, document
    assert "| app-3 | ✔ succeeded |" in document
    assert "| release | 2.9.1 | 2.9.1 | app-1, app-2 |" in document  # read again: verified
    assert "| release | 2.10.0 | **2.9.1** | app-3, app-4 |" in document
    assert "| Verified stable | " in document and "the soak passed" in document
    assert f"| Outcome | {said}" in document
    assert "not rolled back" not in document
    exported = json.loads(fleet.cli("export", journal, "--format", "json").stdout)
    hosts = {h["host"]: h for h in exported["document"]["systems"][0]["hosts"]}
    assert hosts["app-1"]["status"] == "needed nothing" and hosts["app-1"]["detail"].startswith(
        "already rolled back to 2.9.1"
    )
    assert hosts["app-3"]["status"] == "succeeded"
    # Each host as run --json and the status updates say it (host_summary): app-1 read
    # 'refused' there, its stability check's read of it left out (aee4d62c).
    summary = exported["hosts"]
    assert summary["app-1"]["status"] == "needed nothing", summary["app-1"]
    assert summary["app-1"]["step"] == "restore" and summary["app-1"]["detail"].startswith(
        "already rolled back to 2.9.1"
    )
    assert summary["app-3"]["status"] == "succeeded" and summary["app-3"]["step"] == "restore"

    # The undo puts back what this incident changed, nothing where it changed nothing:
    # as the colleague's incident left them.
    undo = fleet.cli("undo", str(tmp_path / "second"), "restore", "--yes")
    assert undo.returncode == 0, undo.stdout + undo.stderr
    assert releases(fleet) == AFTER_FIRST
    events = read_journal(tmp_path / "second" / "journal.jsonl").events
    sent = {e.where.host for e in events if e.kind == Kind.COMMAND_INTENT}
    undone = {
        e.where.host
        for e in events
        if e.kind == Kind.COMMAND_INTENT and e.where.step == "restore.undo"
    }
    assert undone == {"app-3", "app-4"} and sent >= set(HOSTS)


def test_refused_everywhere_is_still_refused_exit_3(fleet, tmp_path):
    """Every host rolled back already: nothing this incident did (its halt step's command
    changed the hosts, and rolls nothing back): REFUSED, exit 3 (it was 1, NOT VERIFIED)."""
    colleagues_incident(fleet, tmp_path)
    assert run(fleet, tmp_path / "second", "app-3", "app-4").returncode == 0

    again = run(fleet, tmp_path / "third")

    assert again.returncode == 3, again.stdout + again.stderr
    verdict = again.stdout.strip().splitlines()[-1]
    assert ": REFUSED: “Restore previous version” refused at the precheck on 4 hosts" in verdict
    state = fold(read_journal(tmp_path / "third" / "journal.jsonl").events)
    assert state.step("restore").status is StepStatus.REFUSED
    assert state.step("restore").needed_nothing() == {}
    assert state.outcome == Outcome.REFUSED


async def restore_asked(pilot):
    """A new incident on every host, walked to its strategy step, its run's confirmation
    on screen: the conductor."""
    app = pilot.app
    await open_incident(pilot)
    conductor = app.conductor
    conductor.confirm("open-bridge")
    assert await conductor.run_step("halt") and await conductor.run_step("assess")
    conductor.choose_strategy("version-rollback")
    app.start_run("restore")
    await until(pilot, lambda: isinstance(app.screen, RunConfirm))
    return conductor


async def restore_started(pilot, read: list[str] | None = None):
    """A new incident on every host, walked to its strategy step, started (y): the
    conductor. The run's confirmation, as shown, is appended to `read` before the y."""
    app = pilot.app
    conductor = await restore_asked(pilot)
    if read is not None:
        read.append(
            " ".join(str(app.screen.query_one("#run-commands .dialog-text").render()).split())
        )
    await pilot.press("y")
    return conductor


async def restore_in_console(pilot):
    """A new incident on every host, walked to its strategy step, which runs (y): the
    conductor once the step has finished."""
    conductor = await restore_started(pilot)
    await until(pilot, lambda: conductor.state.step("restore").status.finished, 60)
    return conductor


async def test_the_console_walks_on_past_hosts_that_needed_nothing(fleet, tmp_path):
    first = colleagues_incident(fleet, tmp_path)
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        conductor = await restore_in_console(pilot)
        await pilot.pause(0.2)  # the screen's sync after the step's end

        st = conductor.state.step("restore")
        assert st.status is StepStatus.DONE
        assert st.hosts["app-1"].status is HostStatus.REFUSED
        grid = app.screen.query_one("#grid", HostGrid)
        assert str(grid.get_cell("app-1", "Status")).strip() == "⊘ needed nothing"
        assert str(grid.get_cell("app-3", "Status")).strip() == "✔ succeeded"
        counts = str(app.screen.query_one("#exec-counts", Static).render())
        assert "2 needed nothing (nothing changed)" in counts and "skips it" not in counts
        banner = " ".join(str(app.screen.query_one("#exec-halt", Static).render()).split())
        assert banner.startswith("⊘ NEEDED NOTHING 2 hosts: the precheck found nothing to do")
        assert f"app-1, app-2: {ALREADY.format(first)}" in banner

        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        await pilot.pause(0.2)
        rows = [str(o.prompt) for o in app.screen.query_one("#steps").options if o.prompt]
        [row] = [r for r in rows if "Restore previous version" in r]
        assert row.startswith("  ☑ done") and row.endswith("⊘ 2 needed nothing"), row
        assert conductor.current().id == "verify"  # the walk goes on: nothing to skip by hand
        assert await conductor.run_step("verify")

        app.lifecycle.offer_close()
        await until(pilot, lambda: isinstance(app.screen, CloseDialog))
        await pilot.pause(0.1)
        radios = app.screen.query_one("#close-outcome", RadioSet)
        assert radios.pressed_button.name == Outcome.ROLLED_BACK.value
        # Partially rolled back asks for the hosts not rolled back: the record left none
        # (it said 'from the record:' over an empty field, its example app-like names).
        await pilot.press("down", "down", "space")
        await until(pilot, lambda: radios.pressed_button.name == Outcome.PARTIAL.value)
        ask = str(app.screen.query_one("#close-ask", Label).render())
        assert ask == "Hosts NOT rolled back (comma-separated), none known from the record:"
        assert app.screen.query_one("#close-detail", Input).value == ""
        await pilot.press("shift+tab", "up", "up", "space")
        await until(pilot, lambda: radios.pressed_button.name == Outcome.ROLLED_BACK.value)
        await pilot.press("enter")
        await until(pilot, lambda: conductor.state.closed)
        label = conductor.state.outcome_label or ""
        assert label.startswith("rolled back and verified; needed nothing, nothing changed")
        assert "app-1, app-2: already rolled back" in label and "not rolled back" not in label


async def test_the_waves_line_says_needed_nothing_as_the_grid_does(fleet, tmp_path):
    """Seen at 80x24: a canary's waves, the first two refused at the precheck (rolled back
    already by a colleague's incident), the step done: the grid said `⊘ needed nothing`,
    the waves line `⊘ 1–4 of 4: 2 ok, 0 failed, 2 refused (not all ok: 1–2)`."""
    colleagues_incident(fleet, tmp_path)
    [strategy] = STRATEGIES["strategies"]
    waves = {"strategies": [{**strategy, "waves": {"size": 1}}]}
    (fleet.config / "strategies.toml").write_text(tomli_w.dumps(waves))
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        conductor = await restore_in_console(pilot)
        assert conductor.state.step("restore").status is StepStatus.DONE

        line = await until_shown(pilot, "#exec-waves", "needed nothing")
        said = " ".join(line.split())
        assert said == "Waves ⊘ 1–4 of 4: 2 ok, 0 failed, 2 needed nothing", said
        assert "refused" not in said and "not all ok" not in said


async def test_the_question_after_a_refused_canary_says_why(fleet, tmp_path):
    """Seen at 80x24: the canary refused at its precheck (rolled back already, by a drill
    that had put the release back), the question between waves read '0 ok, 1 needed
    nothing (app-1)'; y took every other host to the same refusal, nothing rolled back. It
    says what the precheck said, so that the commander can stop and name the release."""
    first = colleagues_incident(fleet, tmp_path)
    [strategy] = STRATEGIES["strategies"]
    waves = {"strategies": [{**strategy, "waves": {"size": 1, "confirm": True}}]}
    (fleet.config / "strategies.toml").write_text(tomli_w.dumps(waves))
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await restore_started(pilot)
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 60)
        question = " ".join(str(app.screen.query_one(".dialog-text", Static).render()).split())
        said = (
            "has finished: 0 ok, 1 refused at the precheck, nothing changed there (app-1: "
            f"{ALREADY.format(first)} back; name the release (target))."
        )
        assert said in question, question
        await pilot.press("escape")
