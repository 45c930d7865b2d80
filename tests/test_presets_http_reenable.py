"""feature-reenable, preset `http`: flags turned off through a flag service's API come back
step by step through it, from the jump host, a health check between the steps; refused
when there is nothing to re-enable; held where a step fails; undone as saved. A real
flag service on loopback, real sshd hosts in the inventory, `rollback-console run`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.model.events import Kind
from tests.flag_service import TOKEN, FlagService, serving
from tests.pgrig import run_console, undo, write_config

pytestmark = pytest.mark.sshd

OFF = {"enabled": False, "rollout": 100}
ON = {"enabled": True, "rollout": 100}


@pytest.fixture
def service(monkeypatch) -> Iterator[FlagService]:
    with serving(monkeypatch) as server:
        yield server


def strategies(service: FlagService, steps: str, waves: str = "", on_hosts: bool = False) -> str:
    """checkout-off (toggle-off http) and checkout-reenable (re-enable http, `steps`,
    the application's health at each step checked for the target host: by `check` on the
    jump host, or `on_hosts` by the `health` command, over SSH, noted in the workdir)."""
    check = f'curl -fsS \\"{service.health_url}?host=$ROLLBACK_HOST\\"'
    health = f"curl -fsS '{service.health_url}?host='{{{{host}}}} && echo {{{{host}}}} >> healthy"
    commands = f'[strategies.commands]\nhealth = "{health}"\n' if on_hosts else ""
    check = "" if on_hosts else check
    return f"""\
[[strategies]]
name = "checkout-off"
kind = "feature-toggle-off"
preset = "http"
params = [{{ name = "flags", default = "new_checkout,dark_mode" }}]

[[strategies]]
name = "checkout-reenable"
kind = "feature-reenable"
preset = "http"
{waves}params = [
  {{ name = "flags", default = "new_checkout,dark_mode" }},
  {{ name = "steps", default = "{steps}" }},
  {{ name = "check", default = "{check}" }},
]
{commands}"""


def configure(sshd_server, tmp_path: Path, text: str, hosts: int = 1) -> Path:
    """The system `web`: `hosts` hosts on the sshd, their workdir tmp_path/workdir's target."""
    workdir = sshd_server.sandbox("w")
    (tmp_path / "workdir").symlink_to(workdir)
    config = write_config(tmp_path / "config", sshd_server, text, workdir, "web")
    inventory = config / "inventory.toml"
    for n in range(2, hosts + 1):
        port = sshd_server.server.port
        inventory.write_text(
            inventory.read_text()
            + f'\n[[systems.hosts]]\nname = "db-{n}"\naddress = "127.0.0.1"\nport = {port}\n'
        )
    return config


def run(config: Path, tmp_path: Path, strategy: str, *params: str):
    return run_console(config, tmp_path / "state", strategy, *params, system="web")


def rollout(events) -> list[tuple[int, bool]]:
    return [(e.data.percent, e.data.ok) for e in events if e.kind == Kind.ROLLOUT_STEP]


async def test_flags_turned_off_come_back_step_by_step_checked_between_and_undo_restores(
    sshd_server, service, tmp_path
):
    config = configure(sshd_server, tmp_path, strategies(service, "25,100", on_hosts=True))
    assert run(config, tmp_path, "checkout-off").returncode == 0
    assert service.flags == {"new_checkout": OFF, "dark_mode": {"enabled": False, "rollout": 5}}

    outcome = run(config, tmp_path, "checkout-reenable")

    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert service.flags == {"new_checkout": ON, "dark_mode": ON}
    raised = [(m, f, body["rollout"]) for m, f, body in service.changes[2:]]
    assert raised == [
        ("PATCH", "new_checkout", 25),
        ("PATCH", "dark_mode", 25),
        ("PATCH", "new_checkout", 100),
        ("PATCH", "dark_mode", 100),
    ]
    assert service.health_checks == [("db-1", 25), ("db-1", 100)]  # after each step
    assert (tmp_path / "workdir" / "healthy").read_text() == "db-1\ndb-1\n"  # on the host
    on = {e.data.stage: e.data.on for e in outcome.events if e.kind == Kind.COMMAND_INTENT}
    assert on["health 25%"] is None and on["check 25%"] == "jump-host"
    assert rollout(outcome.events) == [(25, True), (100, True)]
    assert set(service.authorizations) == {f"Bearer {TOKEN}"}  # sent, for real
    for path in (tmp_path / "state").rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    assert TOKEN not in outcome.stdout + outcome.stderr

    # undo of the re-enable turns them off again, as it saved them; then the toggle-off's
    # undo puts them back as they were before the incident
    assert (await undo(config, tmp_path / "state" / "incident-checkout-reenable"))[0]
    assert service.flags == {"new_checkout": OFF, "dark_mode": {"enabled": False, "rollout": 5}}
    assert (await undo(config, tmp_path / "state" / "incident-checkout-off"))[0]
    assert service.flags == {"new_checkout": ON, "dark_mode": {"enabled": True, "rollout": 5}}


def test_flags_enabled_at_the_last_step_or_above_the_first_already_are_refused(
    sshd_server, service, tmp_path
):
    config = configure(sshd_server, tmp_path, strategies(service, "25,100"))

    outcome = run(config, tmp_path, "checkout-reenable", "flags=new_checkout")

    assert outcome.refused(), outcome.stdout  # exit 3: nothing to do, not failed
    said = "flags new_checkout are all enabled at 100 % already: nothing to re-enable"
    assert said in outcome.stdout
    assert service.changes == [] and service.health_checks == []

    # at 50 % (a rollout under way), the first step would lower it: refused, as for files
    service.flags["new_checkout"] = {"enabled": True, "rollout": 50}
    flags = "flags=new_checkout,dark_mode"
    outcome = run_console(config, tmp_path / "again", "checkout-reenable", flags, system="web")
    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck", outcome.stdout
    said = (
        f"new_checkout reads 50 % at {service.url}/new_checkout, above the first step, 25 % of"
        " steps 25,100: the re-enable would lower it first; nothing changed: give steps that"
        " start above it (steps)"
    )
    assert said in outcome.stdout
    assert service.changes == [] and service.health_checks == []


async def test_a_failed_health_check_holds_the_passed_hosts_and_the_retry_starts_again(
    sshd_server, service, tmp_path
):
    """Two hosts in waves of one: the second wave takes the first's save; stage 2 (50 %)
    fails its health check on db-2 and db-1 is held at 50 %, as for the file preset; the
    retry in the same incident takes both from the first step, and undo turns the flags
    off again, as the first save had them (not as the retry found them)."""
    from console.engine.conductor import Conductor
    from console.engine.ssh import SshPool
    from console.journal.export.markdown import render_markdown
    from console.model.loading import load_settings
    from console.model.triggers import TriggerKind
    from tests.events_factory import recorder_in

    text = strategies(service, "25,50,100", waves="waves = { size = 1 }\n")
    config = configure(sshd_server, tmp_path, text, hosts=2)
    service.flags = {"new_checkout": dict(OFF), "dark_mode": dict(OFF)}
    service.sick = {("db-2", 50)}
    settings = load_settings(config)
    conductor = Conductor(settings, recorder_in(tmp_path / "one"), SshPool(settings.inventory.ssh))
    conductor.open_incident("re-enabled", "inc-reenable")
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "test")
    conductor.select(["web"])
    conductor.choose_strategy("checkout-reenable", {})
    try:
        assert not await conductor.run_step("restore")
        state = conductor.recorder.state
        assert state.step("restore").status.value == "failed"
        assert {h: r.status.value for h, r in state.step("restore").hosts.items()} == {
            "db-1": "held",
            "db-2": "failed",
        }
        held = [e.data for e in conductor.recorder.events if e.kind == Kind.ROLLOUT_HELD]
        assert [(h.percent, h.hosts, h.reason) for h in held] == [
            (50, ["db-1"], "stage 2 failed on db-2")
        ]
        assert service.flags["new_checkout"] == {"enabled": True, "rollout": 50}
        document = render_markdown(list(conductor.recorder.events))
        waves = [line.split(" | ")[2] for line in document.splitlines() if " sent → " in line]
        assert waves[0].rsplit(" in ", 1)[0] == (
            "restore wave 1 of 2 (db-1): 1 host sent → 1 held at 50 %"  # not "1 succeeded"
        )
        # why db-2 failed, in its own words (it read 'db-2: non-zero exit')
        assert waves[1].startswith(
            "restore wave 2 of 2 (db-2): 1 host sent → 1 failed (db-2: at check 50%, exit"
            ' status 1: health check failed at 50 %: curl -fsS "http'
        ), waves
        assert state.step("restore").summary == "1 failed, 1 held at 50 %"

        service.sick.clear()
        checked = len(service.health_checks)
        assert await conductor.run_step("restore")  # both hosts, from the first step
        assert service.health_checks[checked:] == [
            (host, percent) for percent in (25, 50, 100) for host in ("db-1", "db-2")
        ]
        assert service.flags == {"new_checkout": ON, "dark_mode": ON}

        assert await conductor.undo("restore")
        assert service.flags == {"new_checkout": OFF, "dark_mode": OFF}
    finally:
        await conductor.shutdown()
        conductor.recorder.close()


async def test_a_host_left_unknown_in_its_health_check_is_settled_by_the_flags_check(
    sshd_server, service, tmp_path
):
    """The console died while db-1's health check ran over SSH (its intent is on record,
    with no result). On resume, V asks the host for that attempt (the health check ran
    there, not on the jump host), then runs the step's verify, the flags' check on the jump
    host: whether the change was made is the flags' to say, not the application's."""
    from console.engine.attempts import verify_unknown
    from console.engine.conductor import Conductor
    from console.engine.session import Engine
    from console.engine.ssh import SshPool
    from console.engine.supervisor import attempt_token
    from console.model.loading import load_settings
    from console.model.payloads import CommandIntent
    from console.model.triggers import TriggerKind
    from tests.events_factory import recorder_in

    config = configure(sshd_server, tmp_path, strategies(service, "25,100", on_hosts=True))
    service.flags = {name: {"enabled": True, "rollout": 25} for name in service.flags}
    settings = load_settings(config)
    conductor = Conductor(settings, recorder_in(tmp_path / "one"), SshPool(settings.inventory.ssh))
    conductor.open_incident("died", "inc-died")
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "test")
    conductor.select(["web"])
    conductor.choose_strategy("checkout-reenable", {})
    where = {"system": "web", "host": "db-1", "step": "restore"}
    conductor.recorder.record(
        Kind.STEP_STARTED,
        step="restore",
        hosts=["db-1"],
        attempt=1,
        title="Restore",
        phase="execution",
    )
    health = CommandIntent(command="curl ...", stage="health 25%", token=attempt_token())
    conductor.recorder.record(health, **where)
    await conductor.shutdown()
    conductor.recorder.close()

    engine = Engine(settings, tmp_path / "incidents")
    resumed = engine.resume(tmp_path / "one" / "journal.jsonl")
    try:
        assert resumed.state.unknown_hosts == [("restore", "db-1")]
        verdicts = await verify_unknown(resumed, None)
        events = resumed.recorder.events
    finally:
        await engine.close()
        resumed.recorder.close()
    assert verdicts == {"db-1": "verified: succeeded"}
    checked = [e.data for e in events if e.kind == Kind.COMMAND_INTENT][1:]
    assert [(c.stage, c.on) for c in checked] == [("check 25%", "jump-host")]
    assert service.health_checks == []


def test_the_dry_run_says_the_health_check_runs_on_the_host(sshd_server, service, tmp_path):
    config = configure(sshd_server, tmp_path, strategies(service, "25,100", on_hosts=True))
    argv = [
        sys.executable, "-m", "console", "--config", str(config), "run", "--systems", "web",
        "--strategy", "checkout-reenable", "--trigger", "user-impact", "--reason", "r",
        "--dry-run",
    ]  # fmt: skip
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    shown = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env).stdout

    headings = [line for line in shown.splitlines() if line.startswith("### db-1 ")]
    assert headings == [
        "### db-1 precheck (on the jump host)",
        "### db-1 set 25% (on the jump host)",
        "### db-1 check 25% (on the jump host)",
        "### db-1 health 25%",
        "### db-1 set 100% (on the jump host)",
        "### db-1 check 100% (on the jump host)",
        "### db-1 health 100%",
    ], shown
    assert service.changes == [] and service.health_checks == []
