"""A rollback killed mid-step on real sshd, then resumed. Killed between two waves: the hosts
of the later waves were never sent anything; the record says so (not started), and a retry
goes on with them alone, the host of the first wave not rolled back a second time. Killed
during the action: the hosts are unknown, V settles them, and the document's key events
say how."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import tomli_w
from textual.binding import Binding
from textual.widgets import OptionList, Static

from console.engine.attempts import verify_unknown
from console.engine.errors import ProcedureError
from console.engine.session import Engine
from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from console.model.clock import FixedClock
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.state import HostStatus, fold
from console.model.status import StepStatus
from console.ui.follow import make_follow_app
from console.ui.widgets.waves_line import waves_text
from tests.cli_fleet import LINK_VERIFY, Fleet, checklist, write_fleet
from tests.test_old_journal_empty_params_sshd import BEFORE, written_on
from tests.test_ui_resume import checklist_shown, resumed_app
from tests.test_ui_support import (  # noqa: F401
    START,
    _close_engines,
    build_engine,
    footer_keys,
    toasts_once,
    until,
)

pytestmark = pytest.mark.sshd

# app-1's first restart takes 30 s (a console is killed in it); a retry's is at once (and
# app-2's, in slow-app-2)
SLOW_ONCE = 'case "$PWD" in *app-1*) test -e slept || { touch slept; sleep 30; };; esac'
STRATEGIES = {
    "strategies": [
        {
            "name": "release",
            "kind": "version-rollback",
            # a canary, then a long pause: the console is killed in it
            "waves": {"size": 1, "pause_seconds": 120},
        },
        {
            **LINK_VERIFY,
            "name": "slow-restart",
            "kind": "version-rollback",
            "params": [{"name": "restart", "default": "sleep 30"}],  # killed in it
        },
        {
            **LINK_VERIFY,
            "name": "slow-waves",  # a canary, then a wave killed in app-2's restart
            "kind": "version-rollback",
            "waves": {"size": 1},
            "params": [{"name": "restart", "default": 'case "$PWD" in *app-2*) sleep 30;; esac'}],
        },
        {
            **LINK_VERIFY,
            "name": "slow-app-2",  # one wave: app-1 ends in it, app-2 is killed in its restart
            "kind": "version-rollback",
            "params": [{"name": "restart", "default": SLOW_ONCE.replace("app-1", "app-2")}],
        },
        {
            **LINK_VERIFY,
            "name": "held-verify",  # as slow-canary; app-1's verify waits while `hold` is
            "kind": "version-rollback",
            "waves": {"size": 1},
            "params": [
                {"name": "restart", "default": 'case "$PWD" in *app-1*) sleep 30;; esac'},
                {"name": "check", "default": "while test -e hold; do sleep 0.05; done"},
            ],
        },
        {
            **LINK_VERIFY,
            "name": "slow-canary",  # the canary killed in its first restart, app-2 never started
            "kind": "version-rollback",
            "waves": {"size": 1},
            "params": [{"name": "restart", "default": SLOW_ONCE}],
        },
    ]
}
PROCEDURE = checklist({"id": "restore", "title": "Restore the release", "kind": "strategy"})
RELEASES = ("1.9.2", "1.10.0", "1.11.0")


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(
        sshd_server,
        tmp_path,
        files,
        strategies=[
            "release",
            "slow-restart",
            "slow-waves",
            "slow-canary",
            "held-verify",
            "slow-app-2",
        ],
        probes=[],
    )
    for sandbox in fleet.sandboxes.values():
        for version in RELEASES:
            (sandbox / "releases" / version).mkdir(parents=True)
            os.chown(sandbox / "releases" / version, sshd_server.account.uid, -1)
        os.chown(sandbox / "releases", sshd_server.account.uid, -1)
        (sandbox / "current").symlink_to("releases/1.11.0")
        os.lchown(sandbox / "current", sshd_server.account.uid, sshd_server.account.gid)
    return fleet


def run_killed_at(
    fleet: Fleet,
    journal: Path,
    strategy: str,
    marker: str,
    ready: Callable[[], bool] = lambda: True,
    timeout: float = 90.0,
) -> None:
    """`run` as a user types it, SIGKILLed once it has printed `marker` and `ready()`."""
    argv = [
        sys.executable, "-m", "console", "run", "--config", str(fleet.config),
        "--systems", "app", "--strategy", strategy, "--trigger", "user-impact",
        "--reason", "1.11.0 breaks checkout", "--yes", "--journal", str(journal),
    ]  # fmt: skip
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    shown = []
    deadline = time.monotonic() + timeout
    try:
        assert process.stdout is not None
        for line in process.stdout:
            shown.append(line)
            if marker in line:
                for _ in range(int(timeout / 0.05)):
                    if ready():
                        break
                    time.sleep(0.05)
                process.send_signal(signal.SIGKILL)
                break
            if time.monotonic() > deadline:
                break
        else:
            pytest.fail(f"the run ended before {marker!r}:\n" + "".join(shown))
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "".join(shown)


def attempts_ended(journal: Path) -> None:
    """The session is gone: each host's supervisor ends its attempt (TERM, then KILL after
    3 s), as after a real crash, before anyone resumes; V would find it still running."""
    tokens = [e.data.token for e in read_journal(journal).events if e.kind == Kind.COMMAND_INTENT]
    for _ in range(400):
        running = [
            token
            for token in tokens
            if not subprocess.run(
                ["pgrep", "-f", f"rollback-attempt={token}"], capture_output=True
            ).returncode
        ]
        if not running:
            return
        time.sleep(0.05)


async def test_a_retry_after_resume_goes_on_with_the_hosts_never_started(fleet: Fleet) -> None:
    journal = fleet.state / "incident"
    run_killed_at(fleet, journal, "release", "wave 1 of 2 finished")
    link = {h: s / "current" for h, s in fleet.sandboxes.items()}
    assert link["app-1"].readlink() == Path("releases/1.10.0")
    assert link["app-2"].readlink() == Path("releases/1.11.0")

    # The record, as a reader (export) sees it: app-2 did not start.
    events = read_journal(journal).events
    restore = fold(events).settle().step("restore").hosts
    assert restore["app-1"].status is HostStatus.SUCCEEDED
    assert restore["app-2"].status is HostStatus.NOT_STARTED
    document = EXPORT_FORMATS["markdown"].render(events, False)
    assert "| app-2 | ○ not started |" in document
    # cut between its waves, every host's end known: not "interrupted: outcome unknown"
    # above "No host failed and none was left unknown" (the reviewer, 6 December)
    line = next(ln for ln in document.splitlines() if "**Restore the release**" in ln)
    said = "**Restore the release** — interrupted: 1 succeeded, 1 not started"
    assert line.endswith(f"{said}; confirmed by --yes (headless)"), line  # who said yes

    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    conductor = engine.resume(journal)  # its own stale lock, taken back
    try:
        assert conductor.failed_hosts("restore") == ["app-2"]  # what t (retry) runs on
        shown = []  # the step's hosts as the retry starts: app-2 waits for its wave

        def started(event) -> None:
            if event.kind == Kind.STEP_STARTED:
                shown.append(sorted(conductor.state.step("restore").hosts))

        conductor.recorder.subscribe(started)
        assert await conductor.run_step("restore", only_hosts=conductor.failed_hosts("restore"))
        assert shown == [["app-1"]]  # not "not started", so not counted finished
    finally:
        await engine.close()
        conductor.recorder.close()
    assert link["app-1"].readlink() == Path("releases/1.10.0")  # not rolled back twice
    assert link["app-2"].readlink() == Path("releases/1.10.0")
    assert conductor.state.step("restore").hosts["app-2"].status is HostStatus.SUCCEEDED

    # The waves line keeps the run before the crash in view: the retry's one wave would
    # read as the whole step (seen at 80x24: three waves of a four-host step, no more).
    app = make_follow_app(journal / "journal.jsonl", FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        waves = app.screen.query_one("#exec-waves")
        await until(pilot, lambda: "Earlier" in str(waves.render()))
        said = str(waves.render())
        assert "Waves run 2: ✔ 1/1 1 ok, 0 failed" in said, said
        assert "Earlier run 1: 1 of 2 waves, app-1" in said, said
        assert waves.size.height == 2


async def test_hosts_left_unknown_by_a_kill_mid_action_are_settled_on_the_record(
    fleet: Fleet,
) -> None:
    journal = fleet.state / "incident"
    links = [s / "current" for s in fleet.sandboxes.values()]

    def switched() -> bool:  # each host is in its restart (sleep 30) now
        return all(link.readlink() == Path("releases/1.10.0") for link in links)

    run_killed_at(fleet, journal, "slow-restart", "app-2      sending action", switched)
    attempts_ended(journal)
    follow = make_follow_app(journal / "journal.jsonl", FixedClock(START))
    async with follow.run_test(size=(80, 24)) as pilot:  # a second responder, meanwhile
        await until(pilot, lambda: any(n.title == "Writer gone" for n in follow._notifications))
        await pilot.press("f3")
        await until(pilot, lambda: "app-2" in follow.screen.query_one("#grid").rows)
        waves = str(follow.screen.query_one("#exec-waves").render())
        assert "? 1/1 cut short (2 host(s))" in waves, waves

    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    conductor = engine.resume(journal)
    try:
        assert sorted(h for _, h in conductor.state.unknown_hosts) == ["app-1", "app-2"]
        verdicts = await verify_unknown(conductor, None)  # V, on the resumed console
    finally:
        await engine.close()
        conductor.recorder.close()
    assert verdicts == {"app-1": "verified: succeeded", "app-2": "verified: succeeded"}

    document = EXPORT_FORMATS["markdown"].render(read_journal(journal).events, False)
    timeline = document.split("## Timeline", 1)[1].split("\n## ", 1)[0]
    assert "resumed the incident; 2 host(s) unknown" in timeline
    assert (
        "checked hosts left unknown: app-1 verified: succeeded; app-2 verified: succeeded"
        in timeline
    ), timeline


async def test_a_follower_hears_the_writer_died_between_waves(fleet: Fleet) -> None:
    """A second responder following the incident: the console dies between waves, with no
    command running; the follow view says so and shows the hosts that did not start."""
    journal = fleet.state / "incident"
    run_killed_at(fleet, journal, "release", "wave 1 of 2 finished")
    app = make_follow_app(journal / "journal.jsonl", FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: any(n.title == "Writer gone" for n in app._notifications))
        await pilot.press("f3")
        grid = app.screen.query_one("#grid")
        await until(pilot, lambda: "app-2" in grid.rows)
        assert "not started" in str(grid.get_cell("app-2", "Status"))
        assert "succeeded" in str(grid.get_cell("app-1", "Status"))
        waves = str(app.screen.query_one("#exec-waves").render())
        assert "✔ 1/2 1 ok, 0 failed" in waves and "○ 2/2 not started" in waves, waves


def resumed_after_kill_mid_action(fleet: Fleet, journal: Path, links: list[Path]):
    """A run killed once both hosts' links switched (app-2's action sent, its restart
    slow), their attempts ended, then the incident resumed by a new engine: both."""

    def switched() -> bool:
        return all(link.readlink() == Path("releases/1.10.0") for link in links)

    run_killed_at(fleet, journal, "slow-restart", "app-2      sending action", switched)
    attempts_ended(journal)
    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    return engine, engine.resume(journal)


async def test_neither_a_run_nor_a_retry_of_the_step_resends_to_its_unknown_hosts(
    fleet: Fleet,
) -> None:
    """Enter on the step (a run with no hosts named) and t (a retry of the failed hosts)
    leave the unknown hosts alone: their action may have done its work, or still run."""
    journal = fleet.state / "incident"
    links = [s / "current" for s in fleet.sandboxes.values()]
    engine, conductor = resumed_after_kill_mid_action(fleet, journal, links)
    try:
        assert conductor.failed_hosts("restore") == []  # t has nothing to retry
        sent = len(read_journal(journal).events)
        with pytest.raises(ProcedureError) as refused:
            await conductor.run_step("restore", confirmed="a person")
        assert "the outcome on app-1, app-2 is unknown" in str(refused.value)
        intents = [e for e in read_journal(journal).events[sent:] if e.kind == Kind.COMMAND_INTENT]
        assert intents == []
    finally:
        await engine.close()
        conductor.recorder.close()
    assert all(link.readlink() == Path("releases/1.10.0") for link in links)


async def test_a_follower_of_the_resumed_incident_does_not_see_the_cut_step_running(
    fleet: Fleet,
) -> None:
    """The console died mid-action and another resumed it (alive, holding the lock): a
    second responder sees the step as the commander does, unknown, never as running."""
    journal = fleet.state / "incident"
    links = [s / "current" for s in fleet.sandboxes.values()]
    engine, conductor = resumed_after_kill_mid_action(fleet, journal, links)
    try:
        follow = make_follow_app(journal / "journal.jsonl", FixedClock(START))
        async with follow.run_test(size=(80, 24)) as pilot:
            steps = follow.screen.query_one("#steps", OptionList)

            def shown() -> str:
                return str(steps.get_option("restore").prompt)

            await until(pilot, lambda: "Restore the release" in shown())
            assert "? unknown   2. Restore the release" in shown(), shown()
            assert follow.incident.running == frozenset()
    finally:
        await engine.close()
        conductor.recorder.close()


async def verified_after_a_kill_in_action(
    fleet: Fleet, preset: str, host: str
) -> tuple[dict[str, str], list[str]]:
    """`preset` run and killed as `host` was sent its action (its release switched), the
    incident resumed and V pressed: the verdicts, and the hosts t would go on with."""
    journal = fleet.state / "incident"
    link = fleet.sandboxes[host] / "current"
    run_killed_at(
        fleet, journal, preset, f"{host}      sending action",
        lambda: link.readlink() == Path("releases/1.10.0"),
    )  # fmt: skip
    attempts_ended(journal)
    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    conductor = engine.resume(journal)
    try:
        return await verify_unknown(conductor, None), conductor.failed_hosts("restore")
    finally:
        await engine.close()
        conductor.recorder.close()


def killed_in_the_canary(
    fleet: Fleet, journal: Path, strategy: str, ready: Callable[[], bool] | None = None
) -> None:
    """`strategy` run and killed in app-1's action (the canary, its release switched, and
    `ready()`), its attempt ended."""
    link = fleet.sandboxes["app-1"] / "current"
    switched = lambda: link.readlink() == Path("releases/1.10.0")  # noqa: E731
    run_killed_at(fleet, journal, strategy, "app-1      sending action", ready or switched)
    attempts_ended(journal)


def in_its_slow_restart(sandbox: Path) -> Callable[[], bool]:
    """SLOW_ONCE's host is in its 30 s sleep: its release switched and `slept` touched. A
    kill between the two (seen on a loaded CI machine) leaves `slept` to the retry, which
    then sleeps past the restart's timeout and fails."""
    return lambda: (
        (sandbox / "current").readlink() == Path("releases/1.10.0") and (sandbox / "slept").exists()
    )


def killed_in_the_canary_with_its_verify_held(fleet: Fleet, journal: Path) -> Path:
    """A run killed in app-1's action (the canary), its attempt ended; app-1's verify will
    wait while the returned file exists."""
    killed_in_the_canary(fleet, journal, "held-verify")
    hold = fleet.sandboxes["app-1"] / "hold"
    hold.write_text("")
    return hold


async def test_while_v_verifies_the_wave_not_started_reads_not_started_not_waiting(
    fleet: Fleet,
) -> None:
    """Killed in the canary's action, resumed, V verifying app-1 (its verify held): the
    waves line read '▶ 1/2 running (1 host(s)) · ○ 2/2 waiting', as if the action ran
    and wave 2 were about to; V starts no wave. It reads what they are."""
    journal = fleet.state / "incident"
    hold = killed_in_the_canary_with_its_verify_held(fleet, journal)
    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    conductor = engine.resume(journal)
    try:
        verifying = asyncio.create_task(verify_unknown(conductor, None))
        for _ in range(600):  # V's verify sent to app-1, held there
            sent = [e for e in conductor.recorder.events if e.kind == Kind.COMMAND_INTENT]
            if sent and sent[-1].data.stage == "verify":
                break
            await asyncio.sleep(0.05)
        assert "restore" in conductor.running
        st = conductor.state.step("restore")
        waves = waves_text(st, "restore" in conductor.running)
        assert waves is not None
        assert waves.plain == " Waves ? 1/2 cut short, verifying (1 host(s)) · ○ 2/2 not started"
        hold.unlink()
        assert await verifying == {"app-1": "verified: succeeded"}
    finally:
        hold.unlink(missing_ok=True)
        await engine.close()
        conductor.recorder.close()


async def test_the_document_keeps_the_check_after_a_resume_apart_from_the_waves_before(
    fleet: Fleet,
) -> None:
    """Killed in wave 2's action, resumed, the unknown host verified: the timeline's row of
    wave 1 is the canary alone, not joined with the verify that ran after the resume."""
    journal = fleet.state / "incident"
    verdicts, _ = await verified_after_a_kill_in_action(fleet, "slow-waves", "app-2")
    assert verdicts == {"app-2": "verified: succeeded"}
    document = EXPORT_FORMATS["markdown"].render(read_journal(journal).events, False)
    timeline = document.split("## Timeline", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in timeline.splitlines() if "| restore" in line and " → " in line]
    said = [row.split(" | ")[2] for row in rows]
    assert said[0].startswith("restore wave 1 of 2 (app-1): 1 host sent → 1 succeeded in "), rows
    # nothing heard back from it: no time (it read 'in 0.04 s', the time to its intent)
    assert said[1] == "restore wave 2 of 2 (app-2): 1 host sent → 1 unknown", rows
    # V sent the step's verify alone, not the step (it read "1 host sent")
    assert said[2].startswith("restore: its verify on 1 host → 1 succeeded in "), rows
    assert len(said) == 3, rows


async def test_the_resumed_console_says_where_the_step_stood_between_waves(fleet: Fleet) -> None:
    """Seen at 80x24: killed at the between-waves question and resumed, the step read
    '? unknown' (nothing was) with 'Enter runs the strategy on the selected hosts' (every
    host again, the canary too), and F3 named no key to go on. Both now say the later
    hosts did not start and that t goes on with them; the step reads '◌ stopped'."""
    journal = fleet.state / "incident"
    run_killed_at(fleet, journal, "release", "wave 1 of 2 finished")
    engine = build_engine(load_settings(fleet.config), fleet.state / "incidents")
    app = resumed_app(engine, journal / "journal.jsonl")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: checklist_shown(app))
        todo = app.screen.query_one("#where-todo", Static)
        words = "Stopped between waves, app-2 not started: F3 then t goes on with them"
        await until(pilot, lambda: words in " ".join(str(todo.render()).split()))
        step = str(app.screen.query_one("#steps", OptionList).get_option("restore").prompt)
        assert "◌ stopped   2. Restore the release" in step, step  # was '? unknown'
        await pilot.press("f3")
        counts = app.screen.query_one("#exec-counts", Static)
        said = "1 of 2 hosts finished · 1 not started · t goes on with the 1 not started"
        await until(pilot, lambda: said in " ".join(str(counts.render()).split()))
        keys = await footer_keys(pilot)  # it read "t Retry failed", no host failed
        assert "t Go on" in keys and "t Retry failed" not in keys, keys


async def test_a_run_of_every_host_after_resume_tries_the_never_started_one_first(
    fleet: Fleet,
) -> None:
    """Enter on the checklist runs every host again after a kill between waves: app-1,
    rolled back in wave 1, tries a second time; app-2 was never sent anything and read
    'Try 2' with it (one attempt number for the whole run). Each host has its own."""
    journal = fleet.state / "incident"
    run_killed_at(fleet, journal, "release", "wave 1 of 2 finished")
    quick = [
        {**s, "waves": {"size": 1}} if s["name"] == "release" else s
        for s in STRATEGIES["strategies"]
    ]
    (fleet.config / "strategies.toml").write_text(tomli_w.dumps({"strategies": quick}))
    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    conductor = engine.resume(journal)
    try:  # its pause between the waves dropped: the run goes on at once
        assert await conductor.run_step("restore", confirmed="a person")
    finally:
        await engine.close()
        conductor.recorder.close()
    intents = {
        (e.where.host, e.data.stage): e.data.attempt
        for e in read_journal(journal).events
        if e.kind == Kind.COMMAND_INTENT and e.where.step == "restore"
    }
    assert intents[("app-1", "action")] == 2 and intents[("app-2", "action")] == 1, intents
    app = make_follow_app(journal / "journal.jsonl", FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        grid = app.screen.query_one("#grid")
        await until(pilot, lambda: "app-2" in grid.rows and "app-1" in grid.rows)
        assert str(grid.get_cell("app-1", "Try")).strip() == "2"
        assert str(grid.get_cell("app-2", "Try")).strip() == "1"


async def test_a_step_whose_canary_v_settled_reads_stopped_not_failed(fleet: Fleet) -> None:
    """Killed in the canary's action, resumed, V: app-1 verified succeeded, app-2 never
    sent anything. The step read '✘ failed' ('1 not started, 1 succeeded') though no host
    failed; it reads stopped, in the record the checklist, the execution screen and the
    document all fold, and t goes on with app-2."""
    journal = fleet.state / "incident"
    verdicts, going_on = await verified_after_a_kill_in_action(fleet, "slow-canary", "app-1")
    assert verdicts == {"app-1": "verified: succeeded"}
    assert going_on == ["app-2"]  # what t goes on with
    restore = fold(read_journal(journal).events).settle().step("restore")
    assert (restore.status, restore.summary) == (StepStatus.STOPPED, "1 not started, 1 succeeded")
    document = EXPORT_FORMATS["markdown"].render(read_journal(journal).events, False)
    assert "**Restore the release** — stopped: 1 not started, 1 succeeded" in document
    assert "✘" not in document.split("## Timeline", 1)[0], document
    app = make_follow_app(journal / "journal.jsonl", FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        steps = app.screen.query_one("#steps", OptionList)
        await until(pilot, lambda: "Restore the release" in str(steps.get_option("restore").prompt))
        shown = str(steps.get_option("restore").prompt)
        assert "◌ stopped" in shown, shown
        await pilot.press("f3")  # V's verify is no run of the step's action: its waves stay
        await until(pilot, lambda: "Waves" in str(app.screen.query_one("#exec-waves").render()))
        waves = str(app.screen.query_one("#exec-waves").render())
        assert "Waves ✔ 1/2 1 ok, 0 failed · ○ 2/2 not started" in waves, waves  # 'run 2: ✔ 1/1'


@pytest.mark.parametrize("key", ["v", "V"])
async def test_while_v_verifies_the_execution_title_says_verifying_not_running(
    fleet: Fleet, key: str
) -> None:
    """Killed in the canary's action, resumed, V pressed and app-1's verify held there: the
    execution screen's title read '▶ running Restore the release', as if the action ran
    again (seen at 80x24); it says what runs: '▶ verifying'. V (Shift) as v: `run` prints
    `resume ..., then V (the step's verify there; R retries the step there)`, as README
    says **V** and **R**, and helper-113's V did nothing (only v was bound); R as r. The
    toasts: the resume's advice ('verify (v) before retrying'), v's 'Checking' and v's
    answer were three at once over the host table at 80x24; v takes the advice back, and
    the answer takes the place of 'Checking'."""
    from console.ui.widgets.one_line import OneLine

    journal = fleet.state / "incident"
    hold = killed_in_the_canary_with_its_verify_held(fleet, journal)
    try:
        engine = build_engine(load_settings(fleet.config), fleet.state / "incidents")
        app = resumed_app(engine, journal / "journal.jsonl")
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: checklist_shown(app))
            await pilot.press(key)
            title = lambda: str(app.screen.query_one("#exec-title", OneLine).render())  # noqa: E731
            await until(
                pilot,
                lambda: (
                    "restore" in app.conductor.running and bool(app.screen.query("#exec-title"))
                ),
            )
            await until(pilot, lambda: title().startswith("▶ verifying "))
            assert [n.title for n in app._notifications] == ["Verifying 1 unknown host(s)"]
            hold.unlink()
            await until(pilot, lambda: "restore" not in app.conductor.running)
            shown = await toasts_once(pilot, "Unknown hosts checked")
            assert shown == [("Unknown hosts checked", "app-1: verified: succeeded")], shown
            # The screen names v and r, whichever was pressed; R is bound as V is.
            assert (app.key_label("resume.verify"), app.key_label("resume.retry")) == ("v", "r")
            keys = {b.id: b.key for b in app.BINDINGS if isinstance(b, Binding)}
    finally:
        hold.unlink(missing_ok=True)
    assert keys["resume.retry"].split(",") == ["r", "R"], keys


async def earlier_run_after_a_kill_in_the_canary(fleet: Fleet, verify_first: bool) -> str:
    """`slow-canary` killed in app-1's action, resumed, then V and t (the step again on
    app-2, never started), or r alone (again on app-1 only): the waves line's earlier run."""
    journal = fleet.state / "incident"
    killed_in_the_canary(
        fleet, journal, "slow-canary", in_its_slow_restart(fleet.sandboxes["app-1"])
    )
    again = ["app-2"] if verify_first else ["app-1"]
    return await earlier_run_after_retry(fleet, journal, again, verify_first)


async def earlier_run_after_retry(
    fleet: Fleet, journal: Path, again: list[str], verify_first: bool = False
) -> str:
    """The killed run's incident resumed, V first if `verify_first`, then the step again on
    `again` (t, or r): the waves line's earlier run."""
    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    conductor = engine.resume(journal)
    try:
        if verify_first:
            assert await verify_unknown(conductor, None) == {"app-1": "verified: succeeded"}
        await conductor.run_step("restore", confirmed="a person", only_hosts=again)
        waves = waves_text(conductor.state.step("restore"), running=False)
    finally:
        await engine.close()
        conductor.recorder.close()
    assert waves is not None
    return waves.plain.splitlines()[-1]


async def test_an_earlier_run_cut_short_then_verified_counts_what_v_found(fleet: Fleet) -> None:
    """Seen at 80x24: a console killed in the canary's restart, resumed, V (web-1 failed:
    its restart cut off), then t: 'Earlier run 1: 1 of 3 waves, web-1: 0 ok, 0 failed', as
    if the canary had been sent nothing. The wave V settled counts its hosts as V left them."""
    said = await earlier_run_after_a_kill_in_the_canary(fleet, verify_first=True)
    assert said == " Earlier run 1: 1 of 2 waves, app-1: 1 ok, 0 failed"


async def test_an_earlier_run_cut_short_and_never_verified_says_so(fleet: Fleet) -> None:
    """Not verified before the next run: its canary wave is neither ok nor failed, it was cut
    short (the line read '1 of 2 waves, app-1', as a run that ended well would start)."""
    said = await earlier_run_after_a_kill_in_the_canary(fleet, verify_first=False)
    assert said == " Earlier run 1: 1 of 2 waves, app-1: 1 cut short"


async def test_a_run_killed_mid_wave_then_retried_says_how_it_ended(
    fleet: Fleet,
) -> None:
    """Seen on six real hosts: `run` killed in its last wave, three of the wave's five hosts
    verified before the kill, then resumed and r (the two unknown hosts only): 'Earlier run
    1: 2 of 2 waves, 6 hosts: 1 ok, 0 failed, 5 cut short', the grid beside it showing
    those three succeeded at try 1. Only the hosts with no outcome in it were cut short;
    and the document says how that first run ended."""
    journal = fleet.state / "incident"
    verified = "app-1      verify succeeded"
    run_killed_at(
        fleet, journal, "slow-app-2", verified, in_its_slow_restart(fleet.sandboxes["app-2"])
    )
    attempts_ended(journal)
    said = await earlier_run_after_retry(fleet, journal, ["app-2"])
    assert said == " Earlier run 1: 1 of 1 wave, app-1, app-2: 1 ok, 0 failed, 1 cut short"
    # The document says how that run ended too: it read "done: 2 succeeded; 2 attempts",
    # nothing said of the first.
    document = EXPORT_FORMATS["markdown"].render(read_journal(journal).events, False)
    line = next(ln for ln in document.splitlines() if "**Restore the release**" in ln)
    assert line.endswith(
        "— done: 2 succeeded; confirmed by a person; 2 attempts; attempt 1: never ended (the"
        " console running it ended first); outcome unknown then on app-2"
    ), line
    # A journal written before that phrase was (a day earlier) exports as it did then.
    old = read_journal(written_on(journal / "journal.jsonl", fleet.state / "old", BEFORE)).events
    line = next(
        ln
        for ln in EXPORT_FORMATS["markdown"].render(old, False).splitlines()
        if "**Restore the release**" in ln
    )
    assert line.endswith("— done: 2 succeeded; confirmed by a person; 2 attempts"), line
