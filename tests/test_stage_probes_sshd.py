"""A gradual re-enable reads its systems' probes after each stage (and its pause) before
the next widens it, on real sshd. Seen on a README fleet of 5 hosts: the checkout error
rate went to 0.31 on one host right after the 5 % stage, and `run --yes` went on to 25, 50
and 100 %; only the stability soak after the whole rollout said the probe was bad. Now a
probe that is not healthy holds the rollout at the stage it reached: `rollout.probed`
names the probe, the host and its value, `rollout.held` says it, headless exits 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import RadioSet, Static

from console.journal.describe import describe
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.state import HostStatus, fold
from console.model.status import StepStatus
from console.ui.screens.dialogs import ConfirmDialog
from console.ui.screens.execution import ExecutionScreen
from tests.cli_fleet import FLAG_PARAMS, FLAG_PROCEDURE, Fleet, flag_fleet, flag_incident
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    declare_and_pick,
    open_incident,
    run_confirm_about,
    toasts_once,
    until,
)

pytestmark = pytest.mark.sshd

STRATEGIES = {
    "strategies": [
        {
            "name": "reenable",
            "kind": "feature-reenable",
            "preset": "file",
            "waves": {"confirm": True},  # --yes confirms each stage: the probe stops it
            "params": [*FLAG_PARAMS, {"name": "check", "default": "true"}],
        },
        {
            "name": "reenable-thirds",  # stages of its own
            "kind": "feature-reenable",
            "preset": "file",
            "params": [*FLAG_PARAMS, {"name": "steps", "default": "10,50,100"}],
        },
        {
            "name": "reenable-waves",  # host by host within each stage, asked between
            "kind": "feature-reenable",
            "preset": "file",
            "waves": {"size": 1, "confirm": True},
            "params": [*FLAG_PARAMS, {"name": "check", "default": "true"}],
        },
        {
            "name": "reenable-unasked",  # its stages go on by themselves when healthy
            "kind": "feature-reenable",
            "preset": "file",
            "params": [*FLAG_PARAMS, {"name": "check", "default": "true"}],
        },
    ]
}
# The application's error rate: bad on a host marked `broken` once its flag is raised
# at all (the stage's own check passes there: only the probe sees it).
ERRORS = {
    "name": "errors",
    "kind": "command",
    "command": "if [ -e broken ] && ! grep -qx new_checkout=0 flags; then echo 0.31;"
    " else echo 0.01; fi",
    "threshold": 0.05,
    "interval": 5.0,
}
# Unreadable on a host marked `broken` once its flag is raised: not known healthy.
UNREAD = {**ERRORS, "command": "[ -e broken ] && ! grep -qx new_checkout=0 flags && exit 3; echo 0"}
HELD = (
    "held at 5 % on 2 hosts (stage 1 of 4): not healthy after the stage:"
    " app/errors = 0.31 (bad > 0.05), bad on app-2 0.31"
)


def _fleet(sshd_server, root: Path, probe: dict) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": FLAG_PROCEDURE}
    names = [s["name"] for s in STRATEGIES["strategies"]]
    fleet = flag_fleet(sshd_server, root, files, names, "new_checkout=0\n", [probe])
    (fleet.sandboxes["app-2"] / "broken").write_text("")
    return fleet


def _run(fleet: Fleet, journal: Path):
    return fleet.cli(
        "run", "--systems", "app", "--strategy", "reenable", "--trigger",
        "stakeholder-decision", "--reason", "fix deployed", "--yes", "--journal", str(journal),
    )  # fmt: skip


def test_a_bad_probe_after_a_stage_holds_the_rollout_there(sshd_server, tmp_path: Path) -> None:
    fleet = _fleet(sshd_server, tmp_path, ERRORS)
    done = _run(fleet, tmp_path / "inc")

    assert done.returncode == 1, done.stdout + done.stderr
    # Not widened: every host stays at the 5 % stage, none went on to 25 %.
    assert set(fleet.written("flags").values()) == {"new_checkout=5\n"}
    assert f"restore    {HELD}\n" in done.stdout, done.stdout
    assert f"FAILED: “Restore” {HELD}; journal " in done.stdout.splitlines()[-1]
    # Said once for the hosts held alike, not a line each (200 alike lines at 200 hosts).
    stopped = done.stdout.split("hosts whose last step did not succeed:\n", 1)[1]
    reason = HELD.replace(" on 2 hosts", "")
    assert stopped.splitlines()[0] == (
        f"  app-1, app-2: held at restore · check 5%: {reason} — flag new_checkout=5"
    ), stopped
    assert stopped.splitlines()[1].startswith("“Restore” changed app-1, app-2"), stopped
    events = read_journal(tmp_path / "inc" / "journal.jsonl").events
    [probed] = [e for e in events if e.kind == Kind.ROLLOUT_PROBED]
    d = probed.data
    assert (d.index, d.of, d.percent, d.next_percent, d.ok) == (1, 4, 5, 25, False)
    errors = d.probes["app/errors"]
    assert (errors["state"], errors["shown"], errors["threshold"]) == ("bad", "0.31", "> 0.05")
    assert {h: v["value"] for h, v in errors["hosts"].items()} == {"app-2": 0.31}
    assert d.detail == "app/errors = 0.31 (bad > 0.05), bad on app-2 0.31"
    # Held as it went: not asked (nobody is asked to widen an unhealthy rollout).
    assert not [e for e in events if e.kind == Kind.WAVE_ASKED]
    st = fold(events).step("restore")
    assert st.status is StepStatus.HELD
    assert {r.status for r in st.hosts.values()} == {HostStatus.HELD}
    document = fleet.cli("export", str(tmp_path / "inc"), "--format", "markdown").stdout
    timeline = document.split("## Timeline", 1)[1].split("\n## ", 1)[0]
    assert "probes after re-enable step 1 of 4 (5%): NOT HEALTHY, step 2 (25%) not" in timeline


def test_a_probe_not_read_after_a_stage_holds_it_too(sshd_server, tmp_path: Path) -> None:
    fleet = _fleet(sshd_server, tmp_path, UNREAD)
    done = _run(fleet, tmp_path / "inc")

    assert done.returncode == 1, done.stdout + done.stderr
    assert set(fleet.written("flags").values()) == {"new_checkout=5\n"}
    held = "not healthy after the stage: app/errors not read, app-2: exit 3"
    assert held in done.stdout, done.stdout


def test_healthy_probes_let_each_stage_go_on_and_are_recorded(sshd_server, tmp_path) -> None:
    fleet = _fleet(sshd_server, tmp_path, ERRORS)
    (fleet.sandboxes["app-2"] / "broken").unlink()
    done = _run(fleet, tmp_path / "inc")

    assert done.returncode == 0, done.stdout + done.stderr
    assert set(fleet.written("flags").values()) == {"new_checkout=100\n"}
    events = read_journal(tmp_path / "inc" / "journal.jsonl").events
    order = [(e.kind, e.data.index if "index" in e.data.dump() else e.data.done) for e in events
             if e.kind in (Kind.ROLLOUT_PROBED, Kind.WAVE_ASKED)]  # fmt: skip
    # Each stage's probes are read before anyone is asked to widen it.
    assert order == [(k, n) for n in (1, 2, 3) for k in (Kind.ROLLOUT_PROBED, Kind.WAVE_ASKED)]
    assert "probes after re-enable step 2 of 4 (25%): healthy, app/errors = 0.01\n" in done.stdout


async def test_a_rollout_held_by_a_probe_goes_on_only_once_it_reads_healthy(
    sshd_server, tmp_path
) -> None:
    """t on a rollout held by a bad probe went on with the next stage at once, widening
    it while the probe was still bad: it reads the probes again first."""
    fleet = _fleet(sshd_server, tmp_path, ERRORS)
    async with flag_incident(fleet, "reenable-unasked") as conductor:
        assert not await conductor.run_step("restore")
        assert conductor.state.step("restore").status is StepStatus.HELD

        assert not await conductor.run_step("restore")  # still bad: nothing sent
        events = list(conductor.recorder.events)
        retry = max(i for i, e in enumerate(events) if e.kind == Kind.STEP_STARTED)
        assert not [e for e in events[retry:] if e.kind == Kind.COMMAND_INTENT]
        held = conductor.state.step("restore").held
        assert (
            held is not None
            and held.percent == 5
            and held.reason.endswith(
                "bad on app-2 0.31 (read again before the next stage: nothing sent)"
            )
        ), held
        assert set(fleet.written("flags").values()) == {"new_checkout=5\n"}

        (fleet.sandboxes["app-2"] / "broken").unlink()  # the cause fixed
        assert await conductor.run_step("restore")
        stages = [e.data.percent for e in conductor.recorder.events if e.kind == Kind.ROLLOUT_STEP]
    assert stages == [5, 25, 50, 100]  # the rollout went on from where it was held
    assert set(fleet.written("flags").values()) == {"new_checkout=100\n"}


async def test_the_console_shows_the_hold_and_its_probe_at_80x24(sshd_server, tmp_path) -> None:
    fleet = _fleet(sshd_server, tmp_path, ERRORS)
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        about = await _asked_to_run(pilot, "reenable")
        await pilot.press("y")
        held = StepStatus.HELD
        await until(pilot, lambda: app.conductor.state.step("restore").status is held, 60)
        await until(pilot, lambda: "restore" not in app.conductor.running)
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        await pilot.pause(0.2)
        screen = app.screen
        banner = " ".join(str(screen.query_one("#exec-halt", Static).render()).split())
        stages = str(screen.query_one("#exec-waves", Static).render()).strip()
        toasts = await toasts_once(pilot, "Step held")
        # The checklist said "Enter runs the strategy on the selected hosts", as if from the
        # start: Enter goes on with the next stage (walked at 80x24 on a README fleet).
        app.conductor.confirm("bridge")  # the checklist at the step held
        await pilot.press("f2")
        await until(pilot, lambda: type(app.screen).__name__ == "ChecklistScreen")
        await pilot.pause(0.2)
        todo = " ".join(str(app.screen.query_one("#where-todo", Static).render()).split())
    # The yes is given knowing what is read between the stages.
    assert (
        "Stages: 5%, 25%, 50%, 100%, each checked on every host before the next, the probes"
        " read after each (app/errors; one not healthy holds it), your yes before each next one"
    ) in about, about
    said = HELD.replace("5 %", "5%")  # on screen a figure and its unit are one word
    assert banner.startswith(f"◐ HELD {said}"), banner
    assert stages == "Stages ◐ 1/4 5% held · ○ 2–4 of 4 not started", stages
    assert ("Step held", f"“Restore”: {said}. t goes on with the next stage, or skip.") in toasts
    assert todo == (
        "Held at 5% (stage 1 of 4): not healthy after the stage: app/errors = 0.31 (bad >"
        " 0.05), bad on app-2 0.31. Once the cause is dealt with, Enter goes on with 25%; u"
        " undoes it."
    ), todo
    assert set(fleet.written("flags").values()) == {"new_checkout=5\n"}


def test_a_re_enable_closes_as_re_enabled_not_rolled_back(sshd_server, tmp_path) -> None:
    """Walked on a README fleet: an incident whose strategy was a gradual re-enable closed
    'rolled back and verified', and so its document, `list` and the home screen said, where
    nothing was rolled back: the new checkout was turned back on. Its close says what the
    strategy did (`re-enabled and verified`), as does every place that shows it."""
    fleet = _fleet(sshd_server, tmp_path, ERRORS)
    (fleet.sandboxes["app-2"] / "broken").unlink()
    done = _run(fleet, tmp_path / "inc")

    assert done.returncode == 0, done.stdout + done.stderr
    assert ": re-enabled and verified; journal " in done.stdout.splitlines()[-1], done.stdout
    state = fold(read_journal(tmp_path / "inc" / "journal.jsonl").events)
    assert (state.outcome, state.outcome_label) == ("rolled-back", "re-enabled and verified")
    document = fleet.cli("export", str(tmp_path / "inc"), "--format", "markdown").stdout
    assert "| Outcome | re-enabled and verified |" in document
    assert "rolled back and verified" not in document


async def test_the_confirmation_does_not_name_other_stages_than_its_own(
    sshd_server, tmp_path
) -> None:
    """helper-113 at 80x24: `Stages: 10%, 50%, 100%, ...`, then `Does: raise the named flags
    step by step (5, 25, 50, 100 %)` (the preset's default steps), then '(its `steps`: 5, 25,
    50, 100 % unless set)', in the picker too: both say the strategy's own steps."""
    fleet = _fleet(sshd_server, tmp_path, ERRORS)
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    does = "raise the named flags step by step (10, 50, 100 %), checking health between"
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_and_pick(pilot, "fix deployed")
        picker = app.screen
        await pilot.press("space")  # the whole `app` system
        for _ in range(8):  # Tab on to the strategies, then down to reenable-thirds
            if picker.strategy() != "reenable-thirds":
                keys = ("down", "enter") if isinstance(app.focused, RadioSet) else ("tab",)
                await pilot.press(*keys)
        shown = picker.query_one("#strategy-help", Static)  # it read the preset's 5, 25, ...
        await until(pilot, lambda: "10, 50, 100" in str(shown.render()))
        assert " ".join(str(shown.render()).split()) == does
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        about = await _asked_to_run(pilot, "reenable-thirds")
        await pilot.press("escape")
    assert "Stages: 10%, 50%, 100%, each checked on every host" in about, about
    assert f"Does: {does}" in " ".join(about.split()), about


async def test_a_no_between_a_stages_waves_fails_no_host(sshd_server, tmp_path) -> None:
    """helper-113 at 80x24, a re-enable in waves of 3 on 6 sshd hosts: Esc to `Start wave
    2?` within a stage read `✘ 3/3 100% (3 failed)` on the stages line, `re-enable step 3 of
    3: 100% FAILED` in the timeline, and `rollout.step` named the 3 hosts not started as
    failed (within an earlier stage, the hold said `stage 1 failed on ...`)."""
    fleet = _fleet(sshd_server, tmp_path, ERRORS)
    (fleet.sandboxes["app-2"] / "broken").unlink()  # healthy: only the no stops it
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await _asked_to_run(pilot, "reenable-waves")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 60)
        await pilot.press("escape")  # no wave 2 (app-2) in stage 1 (5 %)
        restore = app.conductor.state.step("restore")
        await until(pilot, lambda: restore.finished is not None, 60)
        await app.push_screen("execution")
        await pilot.pause(0.3)
        stages = str(app.screen.query_one("#exec-waves", Static).render()).strip()
        events = list(app.conductor.recorder.events)
        await pilot.press("t", "y")  # again, and a no again: the first is an earlier one
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 60)
        await pilot.press("escape")
        await until(pilot, lambda: "restore" not in app.conductor.running, 60)
        await pilot.pause(0.3)
        again = str(app.screen.query_one("#exec-waves", Static).render()).strip()
    [step] = [e for e in events if e.kind == Kind.ROLLOUT_STEP]
    assert (step.data.ok, step.data.failed) == (False, [])
    assert describe(step) == "re-enable step 1 of 4: 5% stopped before some hosts"
    [held] = [e for e in events if e.kind == Kind.ROLLOUT_HELD]
    assert held.data.reason == "wave 2 of 2: not confirmed", held.data.reason
    assert "failed" not in stages and "◌ 1/4 5% stopped (1 not started)" in stages, stages
    assert fleet.written("flags") == {"app-1": "new_checkout=5\n", "app-2": "new_checkout=0\n"}
    assert "Earlier rollout 1: stopped at 1/4 (5%)" in again, again


async def test_between_a_later_stages_waves_every_host_changed_is_judged(
    sshd_server, tmp_path
) -> None:
    """helper-113 at 80x24, a re-enable in waves of 3 on six sshd hosts: web-5, at 10 % since
    stage 1, read bad during stage 2; after stage 2's first wave (web-1..3) the probes were
    judged on those three alone, healthy, and the question (or --yes) widened web-5 to 50 %
    too. Every host at the stage before is changed by the step: judged as well."""
    fleet = _fleet(sshd_server, tmp_path, ERRORS)
    (fleet.sandboxes["app-2"] / "broken").unlink()
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await _asked_to_run(pilot, "reenable-waves")
        await pilot.press("y")
        recorded = app.conductor.recorder.events
        for number, asked in enumerate(("wave 2", "stage 2"), 1):  # app-1, app-2; stage 2?
            await until(pilot, lambda n=number: _answers(recorded, Kind.WAVE_ASKED) == n, 60)
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 60)
            text = str(app.screen.query_one(".dialog-text", Static).render())
            assert f"Start {asked}" in text, text
            if asked == "stage 2":  # app-2 turns bad at 5 %, after the stage's own probes
                (fleet.sandboxes["app-2"] / "broken").write_text("")
            await pilot.press("y")
            await until(pilot, lambda n=number: _answers(recorded, Kind.WAVE_ANSWERED) == n, 60)
        await until(pilot, lambda: app.conductor.state.step("restore").finished is not None, 60)
        events = list(app.conductor.recorder.events)
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        await pilot.pause(0.3)
        counts = " ".join(str(app.screen.query_one("#exec-counts", Static).render()).split())
        app.conductor.confirm("bridge")  # the checklist at the step stopped
        await pilot.press("f2")
        await until(pilot, lambda: type(app.screen).__name__ == "ChecklistScreen")
        await pilot.pause(0.2)
        todo = " ".join(str(app.screen.query_one("#where-todo", Static).render()).split())
    assert "F3 then t runs them from the first stage, with the 1 held (Enter" in todo, todo
    # What t does: app-1 held at 25 % goes again from 5 % with app-2 (said `goes on with
    # the 1 not started`).
    said = "t runs the 1 not started from the first stage, with the 1 held host"
    assert said in counts, counts
    asked = [e.data.done for e in events if e.kind == Kind.WAVE_ASKED and e.data.what == "wave"]
    assert asked == [1], asked  # stage 2's wave 2 was never asked for: halted
    probed = [e for e in events if e.kind == Kind.WAVE_PROBED]
    assert [(p.data.ok, p.data.hosts) for p in probed] == [
        (True, ["app-1"]),
        (False, ["app-1", "app-2"]),
    ]
    assert fleet.written("flags") == {"app-1": "new_checkout=25\n", "app-2": "new_checkout=5\n"}
    [ended] = [e for e in events if e.kind == Kind.STEP_COMPLETED and e.where.step == "restore"]
    halted = (
        "wave 2 of 2: not healthy after wave 1: app/errors = 0.31 (bad > 0.05), bad on app-2 0.31"
    )
    assert (ended.data.status, ended.data.summary) == (  # no host failed: not `✘ failed`
        StepStatus.HALTED,
        f"1 held at 25 %, 1 not started; {halted}",
    )


def _answers(events, kind: Kind) -> int:
    return sum(1 for e in events if e.kind == kind)


async def _asked_to_run(pilot, strategy: str) -> str:
    """A new incident with `strategy` chosen, at the restore step's run confirmation: what
    it says the run does."""
    await open_incident(pilot)
    pilot.app.conductor.choose_strategy(strategy)
    pilot.app.start_run("restore")
    return await run_confirm_about(pilot)


def test_a_host_the_re_enable_leaves_out_neither_holds_it_nor_is_judged(
    sshd_server, tmp_path
) -> None:
    """Walked on a README fleet of 7 sshd hosts, web-6 down and left out (--hosts): the
    re-enable was held at 25 % on the six it ran on, 'web/version not read, web-6:
    connection refused'. A per-host probe is judged on the stage's hosts, as between a
    strategy's waves."""
    down = {**ERRORS, "command": "[ -e down ] && exit 3; echo 0.01"}
    fleet = _fleet(sshd_server, tmp_path, down)
    (fleet.sandboxes["app-2"] / "broken").unlink()
    (fleet.sandboxes["app-2"] / "down").write_text("")  # its probe cannot be read
    done = fleet.cli(
        "run", "--systems", "app", "--hosts", "app-1", "--strategy", "reenable", "--trigger",
        "stakeholder-decision", "--reason", "fix deployed", "--yes", "--journal",
        str(tmp_path / "inc"),
    )  # fmt: skip

    assert "held at" not in done.stdout, done.stdout
    assert fleet.written("flags") == {"app-1": "new_checkout=100\n", "app-2": "new_checkout=0\n"}
    assert "probes after re-enable step 1 of 4 (5%): healthy, app/errors = 0.01\n" in done.stdout


async def test_the_document_says_how_the_run_before_the_retry_ended(sshd_server, tmp_path) -> None:
    """Walked on a README fleet: a re-enable held at 50 % by a probe bad on web-3, then
    taken on to 100 % once it read healthy, read in the document 'done: 4 succeeded; 2
    attempts', the hold and its probe said only in the timeline. The resolution step (and
    the JSON's `earlier`) says how each run before the last ended."""
    fleet = _fleet(sshd_server, tmp_path, ERRORS)
    async with flag_incident(fleet, "reenable-unasked") as conductor:
        assert not await conductor.run_step("restore")
        (fleet.sandboxes["app-2"] / "broken").unlink()  # the cause fixed
        assert await conductor.run_step("restore")
        journal = conductor.recorder.path
    document = fleet.cli("export", str(journal), "--format", "markdown", "-o", "-")
    assert document.returncode == 0, document.stderr
    [line] = [ln for ln in document.stdout.splitlines() if "**Restore** — " in ln]
    assert line.endswith(f"**Restore** — done: 2 succeeded; 2 attempts; attempt 1: {HELD}"), line
    data = fleet.cli("export", str(journal), "--format", "json", "-o", "-")
    [step] = [s for s in json.loads(data.stdout)["document"]["steps"] if s["id"] == "restore"]
    assert step["earlier"] == [f"attempt 1: {HELD}"], step
