"""A restart cut off with its SSH session is owed, on real sshd: the presets whose action
ends with `restart` (the flag file's off and gradual re-enable, git's restore; the release
link's is in test_lost_mid_change, its undo's here) record it from before the
change until it has finished, and their verify fails while it is owed. Walked on a
README fleet of sshd hosts: a feature-toggle-off (file, with a reload) lost mid-reload
read 'verified: succeeded' at V, as its verify read the flags file alone, and nothing said
the application might still serve the flags from before."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from console.engine.attempts import verify_unknown
from console.journal.export import EXPORT_FORMATS
from console.model.events import Kind
from console.model.state import HostStatus
from tests.cli_fleet import FLAG_PARAMS, FLAG_PROCEDURE, Fleet, flag_fleet, flag_incident
from tests.test_lost_mid_change import _drop, _sessions_of, release_fleet
from tests.test_presets_sshd import etc_repository, etc_restore, git
from tests.test_resume_between_waves import attempts_ended

pytestmark = pytest.mark.sshd

# The reload waits (bounded) for `go`, then says which flags it read; the re-enable's
# waits at 60 % alone.
WAIT = "i=0; while [ ! -e go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"
RELOAD = f"{WAIT}; cp flags served"
RELOAD_AT_60 = f"if grep -q =60 flags; then {WAIT}; fi; cp flags served"
# What the verify checked (the change in place), then that the restart is owed.
OWED = (
    "checked: {}; but the restart has not finished since the change: {} (cut off, or it"
    " failed): the service may still run as before it; a retry runs the restart again"
)


def failed_saying(owed: str) -> str:
    """V's verdict of a verify that failed with `owed`, its own words."""
    return f"verified: failed (its verify: {owed})"


def _fleet(sshd_server, tmp_path: Path) -> Fleet:
    params = [*FLAG_PARAMS, {"name": "restart", "default": RELOAD}]
    at_60 = [*FLAG_PARAMS, {"name": "restart", "default": RELOAD_AT_60}]
    strategies = {
        "strategies": [
            {"name": "off", "kind": "feature-toggle-off", "preset": "file", "params": params},
            {
                "name": "reenable",
                "kind": "feature-reenable",
                "preset": "file",
                "params": [*at_60, {"name": "steps", "default": "10,60"}],
            },
        ]
    }
    files = {"strategies.toml": strategies, "procedure.toml": FLAG_PROCEDURE}
    return flag_fleet(sshd_server, tmp_path, files, ["off", "reenable"], "new_checkout=100\n")


async def _dropped_in_reload(
    conductor, sshd_server, sandbox: Path, run: asyncio.Task, flags: str
) -> None:
    """Waits for the host's action to be in its reload (the flags rewritten to `flags`),
    drops that command's session, and lets the run end."""
    for _ in range(600):
        intents = [
            e
            for e in conductor.recorder.events
            if e.kind == Kind.COMMAND_INTENT and e.where.host == "app-1"
            if e.data.stage == "action" or e.data.stage.startswith("set ")  # a stage's action
        ]
        rewritten = (sandbox / "flags").read_text() == flags
        if intents and rewritten:
            break
        await asyncio.sleep(0.05)
    _drop(_sessions_of(intents[-1].data.token, sshd_server.server.process.pid))
    await run
    attempts_ended(conductor.recorder.path.parent)


async def _undo_cut_off_in_restart(
    conductor, sshd_server, where: Path, changed: Callable[[], bool], step: str = "restore"
) -> None:
    """Runs `step`'s undo, its restart waiting for `go` in `where` (removed first), and
    drops that command's session once `changed()` says the undo has made its change; the
    undo ends, its host unknown."""
    (where / "go").unlink(missing_ok=True)
    undo = asyncio.create_task(conductor.undo(step))
    for _ in range(600):
        intents = [
            e
            for e in conductor.recorder.events
            if e.kind == Kind.COMMAND_INTENT and e.data.stage == "undo"
        ]
        if intents and changed():
            break
        await asyncio.sleep(0.05)
    _drop(_sessions_of(intents[-1].data.token, sshd_server.server.process.pid))
    await undo
    attempts_ended(conductor.recorder.path.parent)
    hosts = conductor.state.step(f"{step}.undo").hosts
    assert {run.status for run in hosts.values()} == {HostStatus.UNKNOWN}, hosts


def _failures(conductor) -> str:
    document = EXPORT_FORMATS["markdown"].render(conductor.recorder.events, False)
    return document.split("## Failures", 1)[1].split("\n## ", 1)[0]


async def test_a_flag_off_whose_reload_was_cut_off_is_not_verified(sshd_server, tmp_path):
    """V finds the flags at 0 but the reload owed: failed, saying so (it read 'verified:
    succeeded'); the retry runs the reload, and the undo puts the flags back."""
    fleet = _fleet(sshd_server, tmp_path)
    sandbox = fleet.sandboxes["app-1"]
    async with flag_incident(fleet, "off") as conductor:
        run = asyncio.create_task(conductor.run_step("restore", only_hosts=["app-1"]))
        await _dropped_in_reload(conductor, sshd_server, sandbox, run, "new_checkout=0\n")
        assert conductor.state.step("restore").hosts["app-1"].status is HostStatus.UNKNOWN
        assert (sandbox / "flags").read_text() == "new_checkout=0\n"
        assert not (sandbox / "served").exists()  # the app never read them

        # what it checked said, and what it did not (it read 'verified: failed', as if
        # the flags had not been set)
        owed = OWED.format("the flags new_checkout are at 0 in flags", RELOAD)
        assert await verify_unknown(conductor, None) == {"app-1": failed_saying(owed)}
        assert owed in _failures(conductor)

        (sandbox / "go").touch()
        assert await conductor.run_step("restore", only_hosts=["app-1"])
        assert conductor.state.step("restore").hosts["app-1"].status is HostStatus.SUCCEEDED
        assert (sandbox / "served").read_text() == "new_checkout=0\n"
        assert not list((sandbox / ".rollback").glob("*.restart-owed"))

        # Its undo, the reload cut off in its turn: owed until a retry of the undo ran it
        # (the undo recorded nothing: the flags back, the application never told).
        def put_back() -> bool:
            return (sandbox / "flags").read_text() == "new_checkout=100\n"

        await _undo_cut_off_in_restart(conductor, sshd_server, sandbox, put_back)
        assert (sandbox / "served").read_text() == "new_checkout=0\n"
        [owed] = (sandbox / ".rollback").glob("*.restart-owed")
        assert owed.read_text() == RELOAD + "\nflags\n"  # the restart, on what
        (sandbox / "go").touch()
        assert await conductor.undo("restore", only_hosts=["app-1"])
        assert (sandbox / "flags").read_text() == "new_checkout=100\n"
        assert (sandbox / "served").read_text() == "new_checkout=100\n"
        assert not owed.exists()


async def test_a_reenable_stage_whose_reload_was_cut_off_is_not_verified(sshd_server, tmp_path):
    """The second stage (60%) lost in its reload: V finds the stage's flags but the reload
    owed, and says so."""
    fleet = _fleet(sshd_server, tmp_path)
    sandbox = fleet.sandboxes["app-1"]
    (sandbox / "flags").write_text("new_checkout=0\n")
    async with flag_incident(fleet, "reenable") as conductor:
        run = asyncio.create_task(conductor.run_step("restore", only_hosts=["app-1"]))
        await _dropped_in_reload(conductor, sshd_server, sandbox, run, "new_checkout=60\n")
        hosts = conductor.state.step("restore").hosts
        assert hosts["app-1"].status is HostStatus.UNKNOWN, hosts
        assert (sandbox / "flags").read_text() == "new_checkout=60\n"
        assert (sandbox / "served").read_text() == "new_checkout=10\n"  # 60 never served

        owed = OWED.format("the flags new_checkout are at 60 in flags", RELOAD_AT_60)
        assert await verify_unknown(conductor, None) == {"app-1": failed_saying(owed)}
        assert owed in _failures(conductor)


async def test_a_git_restore_whose_restart_was_cut_off_is_not_verified(sshd_server, tmp_path):
    """config-restore (git): the paths restored, the reload cut off: V says the reload is
    owed (the verify read the paths alone), and the retry runs it."""
    from console.engine.session import Engine
    from console.model.loading import load_settings
    from console.model.triggers import TriggerKind

    root = sshd_server.sandbox("host")
    repo = etc_repository(root)
    reload = f"{WAIT}; cat etc/nginx/nginx.conf > served"
    config = etc_restore(
        sshd_server, tmp_path, root, repo, f'{{ name = "restart", default = "{reload}" }}'
    )
    engine = Engine(load_settings(config), tmp_path / "incidents")
    conductor = engine.new_incident("etc", incident_id="inc", systems=["web"])
    try:
        conductor.declare_trigger(TriggerKind.USER_IMPACT, "nginx down")
        conductor.select(["web"])
        conductor.choose_strategy("etc-restore", {})
        run = asyncio.create_task(conductor.run_step("restore"))
        for _ in range(600):
            intents = [
                e
                for e in conductor.recorder.events
                if e.kind == Kind.COMMAND_INTENT and e.data.stage == "action"
            ]
            if intents and git(repo, "log", "-n", "1", "--format=%s").startswith("rollback"):
                break
            await asyncio.sleep(0.05)
        _drop(_sessions_of(intents[-1].data.token, sshd_server.server.process.pid))
        await run
        attempts_ended(conductor.recorder.path.parent)
        assert (repo / "nginx/nginx.conf").read_text() == "worker_processes 4;\n"
        assert not (root / "served").exists()

        [said] = (await verify_unknown(conductor, None)).values()
        # the commit restored, by its short hash: the one the paths match
        commit = said.split("checked: nginx match ", 1)[-1].split(";", 1)[0]
        assert git(repo, "diff", "--stat", commit, "HEAD", "--", "nginx") == ""
        owed = OWED.format(f"nginx match {commit}", reload)
        assert said == failed_saying(owed)
        assert owed in _failures(conductor)

        (root / "go").touch()
        assert await conductor.run_step("restore", only_hosts=["db-1"])
        assert (root / "served").read_text() == "worker_processes 4;\n"

        # its undo's reload cut off: owed too, until a retry of the undo ran it
        def put_back() -> bool:
            return (repo / "nginx/nginx.conf").read_text() != "worker_processes 4;\n"

        await _undo_cut_off_in_restart(conductor, sshd_server, root, put_back)
        assert (root / "served").read_text() == "worker_processes 4;\n"
        owed = [p for p in root.rglob("*restart-owed") if p.is_file()]
        assert [p.read_text().splitlines()[0] for p in owed] == [reload], owed
        (root / "go").touch()
        assert await conductor.undo("restore", only_hosts=["db-1"])
        assert (root / "served").read_text() != "worker_processes 4;\n"
        assert not owed[0].exists()
    finally:
        await engine.close()
        conductor.recorder.close()


async def test_a_release_undo_whose_restart_was_cut_off_leaves_it_owed(sshd_server, tmp_path):
    """releases: the undo points the link back, then restarts. Its session lost in that
    restart left nothing on the host saying a restart was owed (the action records it
    before its change, the undo did not): the service may still run the release rolled
    back to, and nothing there said so. Now the mark names the restart until a retry of
    the undo (r) has run it."""
    restart = (
        f"if [ $(readlink current) = releases/1.11.0 ]; then {WAIT}; fi; readlink current > served"
    )
    release = {"name": "release", "kind": "version-rollback"}
    release["params"] = [{"name": "restart", "default": restart}]
    fleet = release_fleet(sshd_server, tmp_path, {"strategies": [release]})
    sandbox = fleet.sandboxes["app-1"]
    async with flag_incident(fleet, "release") as conductor:
        assert await conductor.run_step("restore", only_hosts=["app-1"])
        assert (sandbox / "served").read_text() == "releases/1.10.0\n"

        def back() -> bool:
            return (sandbox / "current").readlink() == Path("releases/1.11.0")

        await _undo_cut_off_in_restart(conductor, sshd_server, sandbox, back)
        assert (sandbox / "served").read_text() == "releases/1.10.0\n"  # never restarted
        owed = sandbox / ".rollback" / f"release-{conductor.state.incident_id}-restart-owed"
        assert owed.read_text() == restart + "\ncurrent\n"

        (sandbox / "go").touch()
        assert await conductor.undo("restore", only_hosts=["app-1"])
        assert (sandbox / "served").read_text() == "releases/1.11.0\n"
        assert not owed.exists()
