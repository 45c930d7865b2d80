"""Strategy kinds and integrity parsing, and every demo strategy walked headless on the
embedded demo fleet, leaving the expected state."""

from __future__ import annotations

import pytest

from console.cli import main
from console.demo import data, data_setup
from console.demo.faults import Fault, FaultKind
from console.demo.fleet import DemoFleet
from console.engine.conductor import Conductor
from console.engine.integrity import Summary, differences, kept_rows, parse_line
from console.engine.ssh import SshPool
from console.engine.walk import RunRequest, walk
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.strategies import Strategy
from console.model.triggers import TriggerKind
from console.paths import demo_config
from tests.events_factory import recorder_in


def test_a_custom_kind_still_needs_its_commands():
    with pytest.raises(ValueError, match="commands"):
        Strategy.validated({"name": "c", "kind": "custom"})


def test_integrity_lines_parse_and_compare():
    stage, found = parse_line("integrity stage=after checksum=ab12 rows.orders=15 rows.c=4")
    assert (stage, found) == ("after", Summary("ab12", {"orders": 15, "c": 4}))
    assert parse_line("rolled back") is None
    assert differences(found, Summary("ab12", {"orders": 15})) == []
    assert differences(found, Summary("ff", {"orders": 16})) == [
        "checksum ab12 != expected ff",
        "rows.orders 15 != expected 16",
    ]
    kept = kept_rows(Summary("x", {"orders": 15, "gone": 2}), found)
    assert kept == Summary(None, {"orders": 15})


def test_point_in_time_compares_timestamps_in_utc(tmp_path, monkeypatch):
    data_setup.build(tmp_path, damaged=False)
    monkeypatch.chdir(tmp_path)
    utc = [e["seq"] for e in data.select_entries(None, "2025-05-16T10:30:00Z")]
    offset = [e["seq"] for e in data.select_entries(None, "2025-05-16T12:30:00+02:00")]
    assert utc == offset == [1, 2, 3, 4]
    with pytest.raises(data.DbError, match="ends at sequence 8"):
        data.select_entries("9", None)


# strategy -> (system, check(sandbox))
HEADLESS = {
    "version-rollback": ("web", lambda r: (r / "current").readlink().name == "2.4.0"),
    "migration-reversal": ("web", lambda r: data.schema_version(r / data.LIVE) == 3),
    "config-restore": ("web", lambda r: (r / "etc/app-revisions/CURRENT").read_text() == "r42\n"),
    "feature-toggle-off": ("web", lambda r: "new_checkout=0" in (r / "etc/flags").read_text()),
    "backup-restore": ("db", lambda r: data.summary(r / data.LIVE)["rows"]["orders"] == 12),
    "log-replay": ("db", lambda r: data.summary(r / data.LIVE)["rows"]["orders"] == 18),
    "point-in-time": ("db", lambda r: data.summary(r / data.LIVE)["rows"]["orders"] == 15),
}


async def _walk(tmp_path, strategy: str, system: str, faults=()):
    fleet = DemoFleet(load_settings(demo_config()), list(faults), root=tmp_path / "fleet")
    settings = await fleet.start()
    conductor = Conductor(settings, recorder_in(tmp_path / "j"), SshPool(settings.inventory.ssh))
    request = RunRequest([system], strategy, TriggerKind.DATA_CORRUPTION, "test", yes=True)
    try:
        ok = await walk(conductor, request, "inc-demo")
    finally:
        await conductor.shutdown()
        conductor.recorder.close()
        await fleet.stop()
    return ok, fleet.sandboxes, conductor


@pytest.mark.parametrize("strategy", list(HEADLESS))
async def test_every_demo_strategy_walks_headless_to_the_expected_state(tmp_path, strategy):
    system, check = HEADLESS[strategy]
    ok, sandboxes, _ = await _walk(tmp_path, strategy, system)
    assert ok
    hosts = [h for h in sandboxes if h.startswith(system)]
    assert hosts and all(check(sandboxes[h]) for h in hosts)


async def test_an_injected_corrupt_backup_makes_the_restore_refuse(tmp_path):
    fault = Fault(FaultKind.CORRUPT_BACKUP, "db-2")
    ok, sandboxes, conductor = await _walk(tmp_path, "backup-restore", "db", [fault])
    assert not ok
    runs = conductor.state.steps["restore"].hosts
    assert runs["db-2"].stage == "precheck" and runs["db-2"].status.value == "failed"
    assert data.summary(sandboxes["db-2"] / data.LIVE)["rows"]["orders"] == 15  # untouched


def test_the_cli_runs_log_replay_on_the_demo_fleet(tmp_path, capsys):
    argv = ["run", "--demo", "--systems", "db", "--strategy", "log-replay"]
    argv += ["--trigger", "data-corruption", "--reason", "X", "--yes", "--quiet"]
    assert main([*argv, "--journal", str(tmp_path / "j")]) == 0
    assert "rolled back and verified" in capsys.readouterr().out


# strategy -> (what it changes on a web host, before, after, a second incident's refusal)
AGAIN = {
    "version-rollback": (
        lambda r: (r / "current").readlink().name,
        "2.4.1",
        "2.4.0",
        "already rolled back to 2.4.0: name the release to go further back (target)",
    ),
    "migration-reversal": (
        lambda r: data.schema_version(r / data.LIVE),
        4,
        3,
        "already down to schema version 3: name the version to go further down (target)",
    ),
    "config-restore": (
        lambda r: (r / "etc/app-revisions/CURRENT").read_text().strip(),
        "r43",
        "r42",
        "already restored to config revision r42: name the revision to go further back",
    ),
}


@pytest.mark.parametrize("strategy", list(AGAIN))
async def test_a_demo_rollback_run_again_never_goes_a_second_step_back(tmp_path, strategy):
    """Run again in the same incident (a retry after its check failed), a demo strategy
    stays where it went, and its undo still returns to before the first run; a second
    incident is refused and names the way on. Before, each run went one step further back
    (2.4.1 -> 2.4.0 -> 2.3.0; schema 4 -> 3 -> 2), and the undo returned to the middle."""
    read, before, after, refused = AGAIN[strategy]
    fleet = DemoFleet(load_settings(demo_config()), root=tmp_path / "fleet")
    settings = await fleet.start()
    web = [r for h, r in fleet.sandboxes.items() if h.startswith("web")]

    def incident(name: str) -> Conductor:
        pool = SshPool(settings.inventory.ssh)
        conductor = Conductor(settings, recorder_in(tmp_path / name), pool)
        conductor.open_incident("again", name)
        conductor.declare_trigger(TriggerKind.USER_IMPACT, "test")
        conductor.select(["web"])
        conductor.choose_strategy(strategy, {})
        return conductor

    first, second = incident("inc-one"), incident("inc-two")
    try:
        assert {read(r) for r in web} == {before}
        for _ in range(2):
            assert await first.run_step("restore")
            assert {read(r) for r in web} == {after}
        assert not await second.run_step("restore")
        assert {read(r) for r in web} == {after}
        if strategy != "version-rollback":  # its action refuses: not a precheck's refusal
            assert second.state.step("restore").status.value == "refused"  # not failed
        said = [
            ln
            for e in second.recorder.events
            if e.kind == Kind.COMMAND_OUTPUT
            for ln in e.data.lines
        ]
        assert refused in said
        assert await first.undo("restore")  # back to before the first run, not the middle
        assert {read(r) for r in web} == {before}
    finally:
        for conductor in (first, second):
            await conductor.shutdown()
            conductor.recorder.close()
        await fleet.stop()


async def demo_incident(
    tmp_path, system: str, strategy: str, **params: str
) -> tuple[DemoFleet, Conductor]:
    """A demo fleet started, and an incident on `system` with `strategy` chosen."""
    fleet = DemoFleet(load_settings(demo_config()), root=tmp_path / "fleet")
    settings = await fleet.start()
    conductor = Conductor(settings, recorder_in(tmp_path / "j"), SshPool(settings.inventory.ssh))
    conductor.open_incident("again", f"inc-{strategy}")
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "test")
    conductor.select([system])
    conductor.choose_strategy(strategy, params)
    return fleet, conductor


async def test_the_demo_rollback_to_a_named_release_run_again_still_undoes_to_before(tmp_path):
    """A retry in the same incident of a rollback to a named release (its restart or check
    failed) recorded that release as the one it replaced: the undo then stayed on 2.4.0.
    It restarts there, as a retry of `previous` does, and the undo returns to 2.4.1."""
    fleet, conductor = await demo_incident(tmp_path, "web", "version-rollback", target="2.4.0")
    web = [r for h, r in fleet.sandboxes.items() if h.startswith("web")]
    try:
        for _ in range(2):
            assert await conductor.run_step("restore")
            assert {(r / "current").readlink().name for r in web} == {"2.4.0"}
        assert await conductor.undo("restore")
        assert {(r / "current").readlink().name for r in web} == {"2.4.1"}
    finally:
        await conductor.shutdown()
        conductor.recorder.close()
        await fleet.stop()


async def test_the_demo_image_rollback_run_again_keeps_the_image_its_undo_returns_to(tmp_path):
    """Run twice in one incident, the undo still returns to the image before the first
    run (14.4), not to the one the first run put in place (the retry recorded 14.3)."""
    fleet, conductor = await demo_incident(tmp_path, "db", "image-rollback")
    db = [r for h, r in fleet.sandboxes.items() if h.startswith("db")]
    try:
        before = {(r / "service/image").read_text() for r in db}
        assert before == {"registry.demo/db:14.4\n"}
        assert await conductor.run_step("restore") and await conductor.run_step("restore")
        assert {(r / "service/image").read_text() for r in db} == {"registry.demo/db:14.3\n"}
        assert await conductor.undo("restore")
        assert {(r / "service/image").read_text() for r in db} == before  # not 14.3
    finally:
        await conductor.shutdown()
        conductor.recorder.close()
        await fleet.stop()


@pytest.mark.parametrize("directory", ["demo", "example"])
def test_every_shipped_parameter_says_what_it_is(directory):
    """The picker shows each parameter with its description: none of the demo's or the
    example's reads blank (the demo's image-rollback showed 'image:' alone)."""
    settings = load_settings(demo_config().parent / directory)
    blank = [
        f"{s.name}.{p.name}" for s in settings.strategies for p in s.params if not p.description
    ]
    assert blank == []
