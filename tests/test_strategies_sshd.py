"""Every demo strategy over real OpenSSH on loopback, against real sandbox state:
the state before and after, undo back to the pre-state, a failing verify, a corrupt backup."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from console.demo import data
from console.demo.sandbox import corrupt_backup
from console.engine.conductor import Conductor
from console.engine.errors import ProcedureError
from console.engine.ssh import SshPool
from console.journal.export.markdown import render_markdown
from console.model.events import Kind
from console.model.outcome import Outcome
from console.model.state import FailureClass, HostStatus, StepStatus
from console.model.triggers import TriggerKind
from tests.events_factory import recorder_in
from tests.fleet_settings import sshd_settings

pytestmark = pytest.mark.sshd

SYSTEM_OF = {
    "version-rollback": "web",
    "image-rollback": "db",
    "migration-reversal": "web",
    "config-restore": "web",
    "feature-toggle-off": "web",
    "feature-reenable": "web",
    "backup-restore": "db",
    "log-replay": "db",
    "point-in-time": "db",
}
RESTORES = ["backup-restore", "log-replay", "point-in-time"]


def snapshot(root: Path) -> dict:
    """What the strategies change on a host, read straight from its sandbox."""
    flags = dict(line.split("=") for line in (root / "etc/flags").read_text().split())
    return {
        "release": (root / "current").readlink().name,
        "running": (root / "service/running").read_text().strip(),
        "image": (root / "service/image").read_text().strip(),
        "schema": data.schema_version(root / data.LIVE),
        "data": data.summary(root / data.LIVE),
        "config": (root / "etc/app-revisions/CURRENT").read_text().strip(),
        "app.toml": (root / "etc/app/app.toml").read_text(),
        "config files": sorted(p.name for p in (root / "etc/app").iterdir()),
        "flags": flags,
        "error_rate": float((root / "service/metrics").read_text().split()[0].split("=")[1]),
    }


def log_expectation(root: Path, entries: list[int]) -> dict:
    log = [json.loads(x) for x in (root / data.TXLOG).read_text().splitlines()]
    last = [e for e in log if e["seq"] in entries][-1]
    return {"checksum": last["checksum"], "rows": last["rows"]}


def base_expectation(root: Path) -> dict:
    return json.loads((root / f"{data.BASE}.integrity").read_text())


# strategy -> (params, check(before, after, root))
EXPECT = {
    "version-rollback": ({}, lambda b, a, r: a["release"] == a["running"] == "2.4.0"),
    "image-rollback": ({}, lambda b, a, r: a["image"] == "registry.demo/db:14.3"),
    "migration-reversal": (
        {},
        lambda b, a, r: (
            (b["schema"], a["schema"]) == (4, 3) and a["data"]["rows"] == b["data"]["rows"]
        ),
    ),
    "config-restore": (
        {},
        lambda b, a, r: (
            (b["config"], a["config"]) == ("r43", "r42")
            and a["app.toml"].startswith("pool_size = 24")
        ),
    ),
    "feature-toggle-off": ({}, lambda b, a, r: a["flags"]["new_checkout"] == "0"),
    "feature-reenable": ({}, lambda b, a, r: a["flags"]["new_checkout"] == "100"),
    "backup-restore": ({}, lambda b, a, r: a["data"] == base_expectation(r)),
    "log-replay": ({"seq": "6"}, lambda b, a, r: a["data"] == log_expectation(r, [6])),
    "point-in-time": (
        {"until": "2025-05-16T10:30:00Z"},
        lambda b, a, r: a["data"] == log_expectation(r, [1, 2, 3, 4]),
    ),
}


@dataclass
class Rig:
    conductor: Conductor
    root: Path

    @property
    def events(self):
        return self.conductor.recorder.events

    def kinds(self, kind: Kind, step: str = "restore") -> list:
        return [e for e in self.events if e.kind == kind and e.where.step == step]


async def start(sshd_server, tmp_path, strategy: str, params=None, prepare=None) -> Rig:
    """One host of the strategy's system on the real sshd, the incident opened."""
    settings, sandboxes = sshd_settings(sshd_server, {"h1": SYSTEM_OF[strategy]})
    root = sandboxes["h1"]
    if prepare:
        prepare(root)
    conductor = Conductor(
        settings, recorder_in(tmp_path / "incident"), SshPool(settings.inventory.ssh)
    )
    conductor.open_incident(f"test {strategy}", "inc-test")
    conductor.declare_trigger(TriggerKind.DATA_CORRUPTION, "test")
    conductor.select([SYSTEM_OF[strategy]])
    conductor.choose_strategy(strategy, params or {})
    return Rig(conductor, root)


async def stop(rig: Rig) -> None:
    await rig.conductor.shutdown()
    rig.conductor.recorder.close()


def healed_checkout(root: Path) -> None:
    """The re-enable scenario: the fixed config is live and the flag is off."""
    (root / "etc/app-revisions/CURRENT").write_text("r42\n")
    flags = (root / "etc/flags").read_text().replace("new_checkout=100", "new_checkout=0")
    (root / "etc/flags").write_text(flags)
    subprocess.run(["/bin/sh", "bin/restart"], cwd=root, check=True, capture_output=True)


def revision_adds_a_file(root: Path) -> None:
    """The saved revision r42 has a file that the live config does not."""
    saved = root / "etc/app-revisions/r42"
    (saved / "limits.toml").write_text("max_orders = 10\n")
    digest = hashlib.sha256(b"max_orders = 10\n").hexdigest()
    with (saved / "SHA256SUMS").open("a") as sums:
        sums.write(f"{digest}  limits.toml\n")


async def test_config_undo_removes_the_files_the_restored_revision_added(sshd_server, tmp_path):
    rig = await start(sshd_server, tmp_path, "config-restore", prepare=revision_adds_a_file)
    try:
        before = snapshot(rig.root)
        assert await rig.conductor.run_step("restore")
        assert "limits.toml" in snapshot(rig.root)["config files"]
        assert await rig.conductor.undo("restore")
        undone = snapshot(rig.root)
    finally:
        await stop(rig)
    assert "limits.toml" not in undone["config files"]
    assert undone == before


@pytest.mark.parametrize("strategy", list(EXPECT))
async def test_strategy_changes_state_and_undo_restores_it(sshd_server, tmp_path, strategy):
    params, check = EXPECT[strategy]
    prepare = healed_checkout if strategy == "feature-reenable" else None
    rig = await start(sshd_server, tmp_path, strategy, params, prepare)
    try:
        before = snapshot(rig.root)
        assert await rig.conductor.run_step("restore")
        after = snapshot(rig.root)
        assert check(before, after, rig.root), (before, after)
        if strategy not in ("feature-reenable", "image-rollback"):  # the db's data is bad
            assert after["error_rate"] < 0.05 < before["error_rate"]
        assert await rig.conductor.undo("restore")
        undone = snapshot(rig.root)
    finally:
        await stop(rig)
    assert undone == before
    if rig.conductor.settings.strategy(strategy).data_touching:
        records = [
            (e.where.step, e.data.stage, e.data.verdict)
            for e in rig.events
            if e.kind == Kind.INTEGRITY_RECORDED
        ]
        assert records[:2] == [("restore", "before", "recorded"), ("restore", "after", "match")]
        assert records[2] == ("restore.undo", "after", "match")


# A service that undoes the change when it restarts: the verify stage must notice.
SABOTAGE = {
    "version-rollback": "ln -sfn releases/2.4.1 current",
    "image-rollback": "echo 14.4 > service/running",
    "migration-reversal": "python3 -c \"import sqlite3; c = sqlite3.connect('data/app.db');"
    " c.execute('PRAGMA user_version = 4'); c.commit()\"",
    "config-restore": "echo 'pool_size = 1' > etc/app/app.toml",
    "feature-toggle-off": "sed -i 's/^new_checkout=.*/new_checkout=100/' etc/flags",
    "feature-reenable": "printf 'error_rate=0.5\\np99_ms=1\\n' > service/metrics",
    "backup-restore": "python3 -c \"import sqlite3; c = sqlite3.connect('data/app.db');"
    " c.execute('DELETE FROM orders WHERE id = 3'); c.commit()\"",
}
SABOTAGE["log-replay"] = SABOTAGE["point-in-time"] = SABOTAGE["backup-restore"]


@pytest.mark.parametrize("strategy", list(SABOTAGE))
async def test_a_failing_verify_fails_the_step(sshd_server, tmp_path, strategy):
    def prepare(root: Path) -> None:
        if strategy == "feature-reenable":
            healed_checkout(root)
        restart = root / "bin/restart"
        restart.write_text(restart.read_text() + SABOTAGE[strategy] + "\n")

    rig = await start(sshd_server, tmp_path, strategy, EXPECT[strategy][0], prepare)
    try:
        assert not await rig.conductor.run_step("restore")
    finally:
        await stop(rig)
    run = rig.conductor.state.steps["restore"].hosts["h1"]
    assert run.status is HostStatus.FAILED
    if rig.conductor.settings.strategy(strategy).data_touching:
        assert run.failure is FailureClass.INTEGRITY or run.stage == "verify"
    else:
        assert run.stage.startswith(("verify", "check"))


async def test_a_lost_row_is_an_integrity_mismatch_not_a_pass(sshd_server, tmp_path):
    def prepare(root: Path) -> None:
        restart = root / "bin/restart"
        restart.write_text(restart.read_text() + SABOTAGE["log-replay"] + "\n")

    rig = await start(sshd_server, tmp_path, "log-replay", {"seq": "8"}, prepare)
    try:
        assert not await rig.conductor.run_step("restore")
    finally:
        await stop(rig)
    after = [e for e in rig.kinds(Kind.INTEGRITY_RECORDED) if e.data.stage == "after"]
    assert after[0].data.verdict == "mismatch"
    assert "rows.orders 17 != expected 18" in after[0].data.detail
    assert rig.conductor.state.steps["restore"].status.value == "failed"


@pytest.mark.parametrize("strategy", RESTORES)
async def test_a_corrupted_backup_is_refused(sshd_server, tmp_path, strategy):
    rig = await start(sshd_server, tmp_path, strategy, EXPECT[strategy][0], corrupt_backup)
    try:
        before = snapshot(rig.root)
        assert not await rig.conductor.run_step("restore")
    finally:
        await stop(rig)
    assert snapshot(rig.root) == before
    stages = [e.data.stage for e in rig.kinds(Kind.COMMAND_INTENT)]
    assert stages == ["precheck"]
    errors = [ln for e in rig.kinds(Kind.COMMAND_OUTPUT) for ln in e.data.lines]
    assert any("checksum" in ln and "!= recorded" in ln for ln in errors)


async def test_a_missing_down_migration_is_refused(sshd_server, tmp_path):
    def prepare(root: Path) -> None:
        (root / data.migration_file(3, "down")).unlink()

    rig = await start(sshd_server, tmp_path, "migration-reversal", {"target": "2"}, prepare)
    try:
        assert not await rig.conductor.run_step("restore")
    finally:
        await stop(rig)
    assert data.schema_version(rig.root / data.LIVE) == 4
    assert [e.data.stage for e in rig.kinds(Kind.COMMAND_INTENT)] == ["precheck"]


async def test_migrations_go_down_in_order(sshd_server, tmp_path):
    rig = await start(sshd_server, tmp_path, "migration-reversal", {"target": "2"})
    try:
        assert await rig.conductor.run_step("restore")
    finally:
        await stop(rig)
    lines = [ln for e in rig.kinds(Kind.COMMAND_OUTPUT) for ln in e.data.lines]
    applied = [ln for ln in lines if ln.startswith("applied")]
    assert applied == [
        "applied 004_orders_discount.down.sql: schema version 3",
        "applied 003_index_orders_customer.down.sql: schema version 2",
    ]
    with sqlite3.connect(rig.root / data.LIVE) as conn:
        assert (
            conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                " AND name = 'orders_customer'"
            ).fetchone()[0]
            == 0
        )


async def test_gradual_reenable_stops_at_the_first_bad_check(sshd_server, tmp_path):
    rig = await start(sshd_server, tmp_path, "feature-reenable")  # the bad path is still live
    try:
        assert not await rig.conductor.run_step("restore")
    finally:
        await stop(rig)
    steps = [(e.data.percent, e.data.ok) for e in rig.kinds(Kind.ROLLOUT_STEP)]
    assert steps == [(5, True), (25, False)]
    assert snapshot(rig.root)["flags"]["new_checkout"] == "25"


async def test_a_re_enable_failed_on_one_host_holds_the_others_and_a_retry_takes_all(
    sshd_server, tmp_path
):
    """Stage 2 (25 %) failed on h2 and passed on h1. Before, h1 read succeeded: the retry
    (t) took h2 alone, from stage 1 to 100 %, and the step was done with h1 left at 25 %
    (seen in tmux on a bench fleet: '☑ done', a host at 'check 25%'). Now h1 is held at
    25 %, the step failed, and the retry takes both hosts, from the first stage."""
    settings, sandboxes = sshd_settings(sshd_server, {"h1": "web", "h2": "web"})
    healed_checkout(sandboxes["h1"])  # h2's bad path is still live: its 25 % check fails
    flags = (
        (sandboxes["h2"] / "etc/flags").read_text().replace("new_checkout=100", "new_checkout=0")
    )
    (sandboxes["h2"] / "etc/flags").write_text(flags)
    rig = Rig(
        Conductor(settings, recorder_in(tmp_path / "incident"), SshPool(settings.inventory.ssh)),
        sandboxes["h1"],
    )
    conductor = rig.conductor
    conductor.open_incident("test failed re-enable", "inc-test")
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout errors are gone: turn it on")
    conductor.select(["web"])
    conductor.choose_strategy("feature-reenable", {})
    try:
        assert not await conductor.run_step("restore")
        step = conductor.state.step("restore")
        statuses = {h: r.status for h, r in step.hosts.items()}
        status, retry = step.status, conductor.failed_hosts("restore")
        healed_checkout(sandboxes["h2"])
        assert await conductor.run_step("restore", retry)
        after = {h: snapshot(r)["flags"]["new_checkout"] for h, r in sandboxes.items()}
    finally:
        await stop(rig)
    assert statuses == {"h1": HostStatus.HELD, "h2": HostStatus.FAILED}
    assert status is StepStatus.FAILED
    (held,) = rig.kinds(Kind.ROLLOUT_HELD)
    assert (held.data.hosts, held.data.percent) == (["h1"], 25)
    assert held.data.reason == "stage 2 failed on h2"
    assert retry == ["h1", "h2"]
    assert after == {"h1": "100", "h2": "100"}


async def test_a_re_enable_stopped_between_stages_is_held_and_a_retry_goes_on(
    sshd_server, tmp_path
):
    """Stage 1 (5 %) passed on both hosts and the commander said no to stage 2: both ran
    it and stay at 5 %, so they are held (not "not started"), the step is held (not
    failed), and the document says so. A retry goes on with stage 2, without stage 1."""
    settings, sandboxes = sshd_settings(sshd_server, {"h1": "web", "h2": "web"})
    data = settings.dumped()
    for strategy in data["strategies"]:
        if strategy["name"] == "feature-reenable":
            strategy["waves"] = {"confirm": True}
    settings = type(settings).validated(data)
    for root in sandboxes.values():
        healed_checkout(root)
    rig = Rig(
        Conductor(settings, recorder_in(tmp_path / "incident"), SshPool(settings.inventory.ssh)),
        sandboxes["h1"],
    )
    conductor = rig.conductor
    conductor.open_incident("test held re-enable", "inc-test")
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout errors are gone: turn it on")
    conductor.select(["web"])
    conductor.choose_strategy("feature-reenable", {})
    asked: list[tuple[str, int, int]] = []
    answer = False

    async def commander(what: str, done: int, total: int, hosts) -> bool:
        asked.append((what, done, total))
        return answer

    conductor.confirm_wave = commander
    try:
        assert not await conductor.run_step("restore")
        held_at = {h: snapshot(r)["flags"]["new_checkout"] for h, r in sandboxes.items()}
        state = conductor.state
        step = state.step("restore")
        statuses = {h: (r.status, r.detail) for h, r in step.hosts.items()}
        status, summary = step.status, step.summary
        retry = conductor.failed_hosts("restore")
        document = render_markdown(list(rig.events))
        answer = True
        assert await conductor.run_step("restore", retry)
        after = {h: snapshot(r)["flags"]["new_checkout"] for h, r in sandboxes.items()}
    finally:
        await stop(rig)
    assert asked[0] == ("stage", 1, 4)
    assert held_at == {"h1": "5", "h2": "5"}
    said = "held at 5 % (stage 1 of 4): the next stage was not confirmed"
    assert statuses == {h: (HostStatus.HELD, said) for h in ("h1", "h2")}
    assert status is StepStatus.HELD
    assert summary == "held at 5 % on 2 hosts (stage 1 of 4): the next stage was not confirmed"
    assert retry == ["h1", "h2"]
    kinds = [e.kind for e in rig.events]
    assert Kind.HOST_NOT_STARTED not in kinds
    (held,) = rig.kinds(Kind.ROLLOUT_HELD)
    assert held.data.dump() == {
        "strategy": "feature-reenable",
        "percent": 5,
        "index": 1,
        "of": 4,
        "next_percent": 25,
        "hosts": ["h1", "h2"],
        "reason": "the next stage was not confirmed",
    }
    assert "not started" not in document
    assert "◐ held" in document and said in document
    assert "ran on 2 hosts (2 held at 5 %)" in document
    assert "finished step “Restore previous version”: held — 2 hosts sent → 2 held at 5 %" in (
        document
    )
    # the retry went on with stage 2: no precheck, no second 5 %
    stages = [(e.data.percent, e.data.ok) for e in rig.kinds(Kind.ROLLOUT_STEP)]
    assert stages == [(5, True), (25, True), (50, True), (100, True)]
    second = kinds.index(Kind.STEP_STARTED, kinds.index(Kind.ROLLOUT_HELD))
    sent = [e.data.stage for e in rig.events[second:] if e.kind == Kind.COMMAND_INTENT]
    assert sent[:2] == ["set 25%", "set 25%"] and "precheck" not in sent
    assert after == {"h1": "100", "h2": "100"}
    assert conductor.state.step("restore").status is StepStatus.DONE


async def test_a_rollback_undone_since_is_not_rolled_back_at_the_close(sshd_server, tmp_path):
    """Seen in the console on a real PostgreSQL: restore, verify, then undo (the data back
    as it was before), and the close still took "rolled back and verified"."""
    rig = await start(sshd_server, tmp_path, "version-rollback")
    conductor = rig.conductor
    try:
        assert await conductor.run_step("restore")
        assert conductor.not_rolled_back() == []
        assert await conductor.undo("restore")
        assert snapshot(rig.root)["release"] != "2.4.0"
        assert conductor.not_rolled_back() == ["h1"]
        # The walk's next step is the restore again, and what follows says it was undone.
        order = ["restore", "verify"]
        assert conductor.state.current_step(order) == "restore"
        assert conductor.state.undone_before(order, "verify")[0] == "restore"
        for outcome in (Outcome.ROLLED_BACK, Outcome.UNVERIFIED):
            with pytest.raises(ProcedureError, match="not rolled back: h1"):
                conductor.close(outcome, reason="checked by hand")
        assert await conductor.run_step("restore")  # rolled back again
        assert conductor.not_rolled_back() == []
        assert conductor.state.current_step(order) == "verify"
        assert conductor.state.undone_before(order, "verify") is None
    finally:
        await stop(rig)


async def test_an_undo_after_later_steps_is_the_hosts_last_step_in_the_document(
    sshd_server, tmp_path
):
    """Seen in the console on a real PostgreSQL: restore, undo, retry, a later step on the
    host, undo again. The document gave the later step as the host's last and never said
    the rollback was undone: a host's runs went in the order its steps first ran."""
    rig = await start(sshd_server, tmp_path, "version-rollback")
    conductor = rig.conductor
    try:
        assert await conductor.run_step("restore")
        assert await conductor.undo("restore")
        assert await conductor.run_step("restore")
        assert await conductor.run_step("capture-evidence")
        assert await conductor.undo("restore")
    finally:
        await stop(rig)
    assert conductor.state.host_runs("h1")[-1][0] == "restore.undo"
    document = render_markdown(list(rig.events))
    summary = document.split("## Summary", 1)[1].split("##", 1)[0]
    assert "The rollback was undone since on 1 host (h1)." in summary, summary
    assert "| h1 | ✔ succeeded | – | Undo: " in document
