"""The rollback document of a drill on real sshd hosts (the staging fleet of
tests/test_drills_sshd): its condensed timeline. Walked on a README fleet of 4 web hosts
(helper-127): each integrity step's row read 'drill-baseline: 0 hosts sent →  in 0.01 s'
after its completion, as if a second run had sent nothing, since the drill recorded each
host's integrity once the step had completed. They are the step's: recorded before it
completes, they join its row."""

from __future__ import annotations

import copy
import tomllib

import pytest
import tomli_w

from console.journal.drill_text import report_lines
from console.journal.store import read_journal
from console.journal.times import duration
from console.model.events import Kind
from tests.test_drills_sshd import DRILLS, staging_fleet

pytestmark = pytest.mark.sshd

OFF = {"name": "off", "kind": "custom", "commands": {"action": "touch checkout-off"}}


def test_a_drills_integrity_steps_read_as_one_row_each(sshd_server, tmp_path):
    fleet = staging_fleet(sshd_server, tmp_path)
    result = fleet.cli("drill", "--scenario", "bad-release")
    assert result.returncode == 0, result.stdout + result.stderr
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    document = fleet.cli("export", str(journal))
    assert document.returncode == 0, document.stderr
    timeline = document.stdout.split("\n## Timeline\n", 1)[1].split("\n## ", 1)[0]
    assert " 0 hosts sent" not in timeline, timeline
    for step, title in (
        ("drill-baseline", "Drill: integrity baseline, before the fault"),
        ("drill-integrity", "Drill: integrity after the rollback"),
    ):
        rows = [r for r in timeline.splitlines() if r.endswith(f"| {step} |")]
        assert len(rows) == 2, rows  # started, finished: nothing after
        assert f"finished step “{title}”: done — 2 hosts sent → 2 succeeded in " in rows[1]


def test_a_drill_names_the_procedure_steps_it_leaves_on_the_hosts(sshd_server, tmp_path):
    """Walked on a README fleet (init's procedure): every drill of the whole procedure ran
    'Halt current delivery process' (`touch deploy.lock`) on each web host and left the
    file there, and its report said nothing of it. A command step that asks before it runs
    (it changes hosts) is named on a line of its own; a read-only one is not. So is a step
    with a strategy of its own (helper 215, README fleet with docs/strategies.md's
    checkout-off and nginx-config as steps: the report named the halt alone, the flags left
    off and the configuration restored as a commit, and the next drill was refused at that
    step's precheck)."""
    fleet = staging_fleet(sshd_server, tmp_path)
    path = fleet.config / "procedure.toml"
    procedure = tomllib.loads(path.read_text())
    immediate = procedure["phases"][0]["steps"]
    immediate[0]["confirm"] = False  # `readlink current`: read-only
    immediate.append(
        {"id": "halt", "title": "Halt current delivery process", "kind": "command",
         "command": "touch deploy.lock"}
    )  # fmt: skip
    procedure["phases"][1]["steps"].insert(
        0, {"id": "off", "title": "Turn checkout off", "kind": "strategy", "strategy": "off"}
    )
    path.write_text(tomli_w.dumps(procedure))
    for name, edit in (
        ("strategies.toml", lambda d: d["strategies"].append(OFF)),
        ("inventory.toml", lambda d: d["systems"][0]["strategies"].append("off")),
    ):
        data = tomllib.loads((fleet.config / name).read_text())
        edit(data)
        (fleet.config / name).write_text(tomli_w.dumps(data))
    result = fleet.cli("drill", "--scenario", "bad-release")
    assert result.returncode == 0, result.stdout + result.stderr
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    [verdict] = [e.data.dump() for e in read_journal(journal).events if e.kind == Kind.DRILL_JUDGED]
    assert verdict["left"] == [
        {"step": "halt", "title": "Halt current delivery process", "hosts": ["app-1", "app-2"]},
        {"step": "off", "title": "Turn checkout off", "hosts": ["app-1", "app-2"]},
    ]
    said = [
        f"  left       {title} ran on app-1, app-2: the drill does not undo the procedure's"
        " own steps"
        for title in ("Halt current delivery process", "Turn checkout off")
    ]
    assert report_lines(verdict)[-2:] == said
    assert set(said) <= set(result.stdout.splitlines())
    assert all((sandbox / "deploy.lock").exists() for sandbox in fleet.sandboxes.values())
    assert all((sandbox / "checkout-off").exists() for sandbox in fleet.sandboxes.values())


def test_an_integrity_record_not_read_is_no_mismatch(sshd_server, tmp_path):
    """Walked on a README fleet: web-4's sshd went down mid-drill, its integrity after could
    not be read, and the report said '8 record(s), 1 mismatch(es) ✘', as if its data had
    differed. A record missing is said apart: '0 mismatch(es), 1 missing (not read)'."""
    drills = copy.deepcopy(DRILLS)
    scenario = drills["scenarios"][0]
    scenario["faults"].append(
        {"name": "hide the data", "command": "mv data.txt data.hidden",
         "undo": "mv data.hidden data.txt", "hosts": ["app-2"]}
    )  # fmt: skip
    scenario["integrity"]["command"] = (
        "test -r data.txt || exit 3; " + (scenario["integrity"]["command"])
    )
    fleet = staging_fleet(sshd_server, tmp_path, drills)
    result = fleet.cli("drill", "--scenario", "bad-release")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "  integrity  4 record(s), 0 mismatch(es), 1 missing (not read) ✘" in (
        result.stdout.splitlines()
    ), result.stdout


def test_a_drills_summary_says_the_recovery_time_its_verdict_judges(sshd_server, tmp_path):
    """Walked by helper-135: a drill's summary read 'Service was verified stable 21 s after
    the first bad sample (target exceeded)', a time from the probes' first bad sample beside
    a verdict on the time from the injected fault. It says the time the verdict judges,
    from where it counts, in the document and its JSON alike."""
    fleet = staging_fleet(sshd_server, tmp_path)
    result = fleet.cli("drill", "--scenario", "bad-release")
    assert result.returncode == 0, result.stdout + result.stderr
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    [measured] = [e.data for e in read_journal(journal).events if e.kind == Kind.RECOVERY_MEASURED]
    said = (
        f"Service was verified stable {duration(measured.seconds)} after the injected fault"
        f" ({measured.verdict})."
    )
    for form in ("markdown", "json"):
        document = fleet.cli("export", str(journal), "--format", form)
        assert document.returncode == 0, document.stderr
        assert said in document.stdout, (said, document.stdout[:1500])
        assert "after the first bad sample" not in document.stdout
