"""A host whose SSH connection drops while its action runs, on real sshd: the action may
have done its work (here it did), so the host reads unknown, never "failed" or "not
rolled back", the run's close says so, and the document agrees."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual.widgets import OptionList

from console.engine.conductor import new_incident_id
from console.engine.session import Engine
from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from console.model.clock import FixedClock
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.state import HostStatus, fold
from console.model.status import FailureClass, StepStatus
from console.ui.follow import make_follow_app
from tests.cli_fleet import Fleet, checklist, write_fleet
from tests.test_resume_between_waves import attempts_ended
from tests.test_ui_support import START, until

pytestmark = pytest.mark.sshd

# The restart waits (bounded) for a file the test writes: the action has switched the
# link by then, and its command is still running when app-2's connection is cut.
WAIT_FOR_GO = "i=0; while [ ! -e go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"
STRATEGIES = {
    "strategies": [
        {
            "name": "release",
            "kind": "version-rollback",
            "params": [{"name": "restart", "default": WAIT_FOR_GO}],
        }
    ]
}
PROCEDURE = checklist({"id": "restore", "title": "Restore the release", "kind": "strategy"})


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    return release_fleet(sshd_server, tmp_path)


def release_fleet(sshd_server, tmp_path: Path, strategies: dict = STRATEGIES) -> Fleet:
    """app-1 and app-2 at release 1.11.0, their restart waiting for `go`."""
    files = {"strategies.toml": strategies, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["release"], probes=[])
    for sandbox in fleet.sandboxes.values():
        for version in ("1.10.0", "1.11.0"):
            (sandbox / "releases" / version).mkdir(parents=True)
            os.chown(sandbox / "releases" / version, sshd_server.account.uid, -1)
        os.chown(sandbox / "releases", sshd_server.account.uid, -1)
        (sandbox / "current").symlink_to("releases/1.11.0")
        os.lchown(sandbox / "current", sshd_server.account.uid, sshd_server.account.gid)
    return fleet


def release_run(fleet: Fleet, journal: Path) -> list[str]:
    """`run` of the release strategy on app, journalled in `journal`."""
    return [
        sys.executable, "-m", "console", "run", "--config", str(fleet.config),
        "--systems", "app", "--strategy", "release", "--trigger", "user-impact",
        "--reason", "1.11.0 breaks checkout", "--yes", "--journal", str(journal),
    ]  # fmt: skip


def _parent(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def _sessions_of(token: str, listener: int) -> list[int]:
    """The sshd processes serving the connection that runs the attempt tagged `token`:
    the command's ancestors below the listening sshd (the privileged monitor and the
    child that holds the socket)."""
    found = subprocess.run(
        ["pgrep", "-f", f"rollback-attempt={token}"], capture_output=True, text=True
    )
    pid = int(found.stdout.split()[0])
    chain = []
    for _ in range(32):  # a process tree is shallow
        pid = _parent(pid)
        if pid == listener:
            return [p for p in chain if "sshd" in Path(f"/proc/{p}/cmdline").read_text()]
        chain.append(pid)
    raise AssertionError(f"no sshd session above the attempt {token}")


def _drop(sessions: list[int]) -> None:
    """The connection drops, as a host's would: its sshd processes are killed (one may
    be gone already, with the other)."""
    for pid in sessions:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def lose_app_2_mid_action(fleet: Fleet, sshd_server, journal: Path) -> str:
    """`run`, app-2's connection dropped once its action switched the link, its restart
    waiting (app-1's let go): what it printed, having exited 4."""
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state), "PYTHONUNBUFFERED": "1"}
    link = fleet.sandboxes["app-2"] / "current"
    process = subprocess.Popen(
        release_run(fleet, journal), stdout=subprocess.PIPE, text=True, env=env
    )
    shown = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            shown.append(line)
            if "app-2      sending action" in line:
                break
        for _ in range(600):  # the action has switched app-2's link; its restart waits
            if link.readlink() == Path("releases/1.10.0"):
                break
            time.sleep(0.05)
        [token] = [
            e.data.token
            for e in read_journal(journal).events
            if e.kind == Kind.COMMAND_INTENT and e.where.host == "app-2"
            if e.data.stage == "action"
        ]
        _drop(_sessions_of(token, sshd_server.server.process.pid))
        (fleet.sandboxes["app-1"] / "go").touch()
        out, _ = process.communicate(timeout=120)
        shown.append(out)
    finally:
        process.kill()
        process.wait(timeout=30)
    said = "".join(shown)
    assert process.returncode == 4, said
    return said


async def test_a_connection_lost_mid_action_leaves_the_host_unknown_not_failed(
    fleet: Fleet, sshd_server
) -> None:
    """The host and its step read unknown (the step read '✘ failed' with '1 succeeded,
    1 unknown' though no host failed), in the record the checklist and the document fold;
    the run is not reported as succeeded: exit status 4, the incident left open (it was
    closed as failed, and a closed incident cannot be resumed to verify), and the verify
    its last lines print (V's, headless) settles the host: the link was switched there, but the restart after it was cut off
    with the session, so V finds it failed, saying the restart must run again (it said
    'verified: succeeded': the verify read the link alone), and a retry runs it."""
    journal = fleet.state / "incident"
    links = {h: s / "current" for h, s in fleet.sandboxes.items()}
    said = lose_app_2_mid_action(fleet, sshd_server, journal)

    assert links["app-2"].readlink() == Path("releases/1.10.0")  # the change was made
    events = read_journal(journal).events
    state = fold(events)
    restore = state.step("restore").hosts
    assert restore["app-1"].status is HostStatus.SUCCEEDED
    assert restore["app-2"].status is HostStatus.UNKNOWN, said
    assert restore["app-2"].failure is FailureClass.CONNECTION_LOST
    # The wave's line says which host, what unknown means, and the command that checks it
    # (it read '1 unknown (check before retrying)').
    incident = state.incident_id
    assert (
        "1 ok, 0 failed, 1 unknown (app-2: sent, its outcome never seen: the connection dropped"
        " mid-command, its verify could not reach the host, or the change was still under"
        " way; rollback-console verify"
        f" {incident} --config {fleet.config} checks it before retrying)"
    ) in said, said
    assert "  app-2: unknown at restore · action: connection lost mid-command" in said
    assert state.outcome is None and not state.closed
    assert "UNKNOWN, left open: outcome unknown on app-2: the connection was lost" in said
    assert f"to settle them: rollback-console verify {journal} --config {fleet.config}" in said
    assert " then V" not in said and "R retries" not in said  # keys of no use here
    document = EXPORT_FORMATS["markdown"].render(events, False)
    assert "not rolled back: app-2" not in document
    assert "| app-2 | ? unknown |" in document
    step = state.step("restore")
    assert (step.status, step.summary) == (StepStatus.UNKNOWN, "1 succeeded, 1 unknown")
    assert "**Restore the release** — unknown: 1 succeeded, 1 unknown" in document
    assert "FAILED" not in said
    app = make_follow_app(journal / "journal.jsonl", FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        steps = app.screen.query_one("#steps", OptionList)
        await until(pilot, lambda: "Restore the release" in str(steps.get_option("restore").prompt))
        shown = str(steps.get_option("restore").prompt)
        assert "? unknown   2. Restore the release" in shown, shown  # was '✘ failed'

    attempts_ended(journal)  # its supervisor ends the action the lost session left
    # The link was switched, but its restart was cut off with the session: the verify the
    # run printed (V's, headless) does not call that succeeded (it did: the verify read the
    # link alone), and says why.
    verified = fleet.cli("verify", str(journal))
    assert verified.returncode == 1, verified.stdout + verified.stderr
    # what it checked, and that the restart is owed (it said 'verified: failed' alone)
    owed = (
        "checked: current points at 1.10.0; but the restart has not finished since the"
        f" change: {WAIT_FOR_GO} (cut off, or it failed): the service may still run as"
        " before it; a retry runs the restart again"
    )
    assert f"app-2: verified: failed (its verify: {owed})" in verified.stdout, verified.stdout
    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    conductor = engine.resume(journal / "journal.jsonl")
    try:
        app_2 = conductor.state.step("restore").hosts["app-2"]
        assert app_2.status is HostStatus.FAILED
        document = EXPORT_FORMATS["markdown"].render(conductor.recorder.events, False)
        failures = document.split("## Failures", 1)[1].split("\n## ", 1)[0]
        assert owed in failures, failures
        # The retry runs the restart again (the link stays where the rollback put it).
        (fleet.sandboxes["app-2"] / "go").touch()
        assert await conductor.run_step("restore", only_hosts=["app-2"])
        app_2 = conductor.state.step("restore").hosts["app-2"]
        assert app_2.status is HostStatus.SUCCEEDED
        assert links["app-2"].readlink() == Path("releases/1.10.0")
        assert not list((fleet.sandboxes["app-2"] / ".rollback").glob("*restart-owed"))
        # and its undo puts the release back, as before
        assert await conductor.undo("restore")
        assert links["app-2"].readlink() == Path("releases/1.11.0")
    finally:
        await engine.close()
        conductor.recorder.close()


def _open_incident(fleet: Fleet) -> Path:
    """An incident opened on `app` and left open (its locks given back): its journal."""
    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    incident_id = new_incident_id(engine.clock.now())
    conductor = engine.incident(engine.claim(incident_id, ["app"], None))
    conductor.open_incident("Release 1.11.0 breaks checkout", incident_id, with_locks=True)
    conductor.release_locks()
    conductor.recorder.close()
    asyncio.run(engine.close())
    return conductor.recorder.path


@pytest.mark.parametrize("into", ["a new incident", "an open incident"])
def test_exec_says_unknown_for_a_host_whose_connection_dropped_mid_command(
    fleet: Fleet, sshd_server, into: str
) -> None:
    """exec's own incident closes as failed, naming the unknown host; exec into an open
    incident (--journal) leaves it open and keeps its locks, as run does (they were
    released: another incident could start on app while app-2's command may still run)."""
    existing = _open_incident(fleet) if into == "an open incident" else None
    argv = [
        sys.executable, "-m", "console", "exec", "--config", str(fleet.config),
        "--systems", "app", f"echo start; {WAIT_FOR_GO}",
    ]  # fmt: skip
    if existing is not None:
        argv += ["--journal", str(existing)]
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("app-2: start"):
                break
        [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
        [token] = [
            e.data.token
            for e in read_journal(journal).events
            if e.kind == Kind.COMMAND_INTENT and e.where.host == "app-2"
        ]
        _drop(_sessions_of(token, sshd_server.server.process.pid))
        (fleet.sandboxes["app-1"] / "go").touch()
        _, err = process.communicate(timeout=120)
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == 1, err
    assert (
        "app-2: UNKNOWN (connection lost mid-command): Connection lost; it may have run there:"
        " check before running it again"
    ) in err
    events = read_journal(journal).events
    state = fold(events)
    assert state.step("adhoc-1").hosts["app-2"].status is HostStatus.UNKNOWN
    locks = fleet.state / "locks" / "app.lock"
    if existing is None:  # closed as failed, app's lock kept for app-2 (a close with it
        assert state.closed and locks.exists()  # unknown keeps it)
        (kept,) = [e for e in events if e.kind == Kind.LOCK_KEPT]
        assert (kept.data.systems, kept.data.hosts) == (["app"], ["app-2"])
        assert kept.data.closed_as and state.unknown_at_close == ["app-2"]
        assert "exec: outcome unknown on app-2 at the close" in err, err
        # A typed command has no verify to run: the line names the check that can be run
        # (it named `verify`, which refused it, as below).
        by_hand = (
            "rollback-console exec --take-over-lock REASON --systems app --hosts app-2"
            f" --config {fleet.config} 'COMMAND'"
        )
        assert (
            f"as a check by hand does ({by_hand}, with a command that tells whether the change"
            " was made), which lets go of it at its end"
        ) in err, err
        refused = fleet.cli("exec", "--systems", "app", "true")
        assert refused.returncode == 3, refused.stdout + refused.stderr
        assert f"Check it first, as a check by hand does: {by_hand}," in refused.stderr
        # A typed command has no verify: the verify by hand says so, and what to do instead.
        verify = fleet.cli("verify", str(state.incident_id), "--take-over-lock", "exec ended")
        assert verify.returncode == 2, verify.stdout + verify.stderr
        assert verify.stderr == (
            f"error: incident {state.incident_id}: an ad-hoc command has no verify command"
            " (step 'adhoc-1' on app-2): check it by hand with a command that tells whether"
            " the change was made there: rollback-console exec --take-over-lock REASON"
            f" --systems app --hosts app-2 --config {fleet.config} 'COMMAND'; then note what you"
            f" found in the incident (rollback-console resume {journal.parent} --config"
            f" {fleet.config}, then n)\n"
        )
        assert locks.exists() and read_journal(journal).events == events  # nothing done
        return
    assert not state.closed and locks.exists(), [e.kind for e in events]
    (kept,) = [e for e in events if e.kind == Kind.LOCK_KEPT]
    assert kept.data.systems == ["app"] and kept.data.hosts == ["app-2"]
    assert not [e for e in events[kept.seq :] if e.kind == Kind.LOCK_RELEASED]
    assert "exec: the incident is left open, its locks held (app):" in err
    # Its last line names no key of the console (it said 'then R'): a retry there is the
    # console's, as the command line can only run it again as a step of its own.
    resume = f"rollback-console resume {existing.parent} --config {fleet.config}"
    assert f"app-2 settles in the console (a retry of the command there): {resume}" in err, err
    assert "then R" not in err
