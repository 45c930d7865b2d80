"""`undo JOURNAL STEP` on a real sshd fleet: the way back from a rollback that was the
wrong move, seen first with --dry-run, confirmed with --yes, journalled in the incident."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from console.engine.session import Engine
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.state import HostStatus, fold
from console.ui.widgets.incident_rows import _outcome
from tests.cli_fleet import HOSTS, Fleet, write_fleet
from tests.fleet_settings import chown_tree
from tests.folded import folded, too_wide

pytestmark = pytest.mark.sshd

STRATEGIES = {
    "strategies": [
        {
            "name": "pin-release",
            "kind": "custom",
            "description": "Pin the previous release, keeping the replaced one for undo",
            "commands": {
                # 120: nothing to do (refused), as a preset's precheck on a host a
                # rollback already put on 2.4.1
                "precheck": "test -f version && { ! grep -qx 2.4.1 version || exit 120; }",
                "action": "cp version version.replaced && echo 2.4.1 > version",
                "verify": "grep -qx 2.4.1 version",
                "undo": "mv version.replaced version",
            },
        }
    ]
}
PROCEDURE = {
    "name": "Release rollback",
    "phases": [
        {
            "phase": "immediate",
            "steps": [{"id": "look", "title": "Look", "kind": "command", "command": "true"}],
        },
        {
            "phase": "execution",
            "steps": [{"id": "restore", "title": "Restore the release", "kind": "strategy"}],
        },
        {
            "phase": "post",
            "steps": [{"id": "doc", "title": "Document", "kind": "form", "fields": ["reason"]}],
        },
    ],
}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["pin-release"], probes=[])
    for sandbox in fleet.sandboxes.values():
        (sandbox / "version").write_text("2.5.0\n")
        chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)
    return fleet


def rolled_back(fleet: Fleet) -> Path:
    result = fleet.cli(
        "run", "--systems", "app", "--strategy", "pin-release", "--trigger", "user-impact",
        "--reason", "checkout errors", "--yes", "--journal", str(fleet.state / "incident"),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert fleet.written("version") == dict.fromkeys(HOSTS, "2.4.1\n")
    return fleet.state / "incident" / "journal.jsonl"


def test_undo_shows_its_commands_then_runs_them_on_the_hosts_named(fleet):
    journal = rolled_back(fleet)
    recorded = journal.read_bytes()

    seen = fleet.cli("undo", str(journal), "restore", "--dry-run")
    assert seen.returncode == 0, seen.stderr
    # its own words fit 80 columns, as the other dry runs' (the heading was 84 here)
    assert folded(seen.stdout, "# ", "# ")[0] == (
        "dry run: nothing is sent. The undo of 'Restore the release' on each host it touched"
    ), seen.stdout
    assert not too_wide(seen.stdout, ("#",)), seen.stdout
    for host in HOSTS:
        assert f"### {host} undo" in seen.stdout
    assert "mv version.replaced version" in seen.stdout
    assert journal.read_bytes() == recorded  # a dry run records nothing

    unconfirmed = fleet.cli("undo", str(journal), "restore")
    assert unconfirmed.returncode == 2
    assert unconfirmed.stderr.strip().splitlines() == [
        "error: undo changes hosts: add --yes (see the commands first with --dry-run)"
    ]
    assert fleet.written("version") == dict.fromkeys(HOSTS, "2.4.1\n")
    # A host renamed in inventory.toml since: one line, not an internal error (KeyError)
    inventory = fleet.config / "inventory.toml"
    written = inventory.read_text()
    inventory.write_text(written.replace('"app-1"', '"app-9"'))
    renamed = fleet.cli("undo", str(journal), "restore", "--dry-run")
    assert renamed.returncode == 2, renamed.stdout + renamed.stderr
    assert renamed.stderr.strip().splitlines() == [
        "error: host(s) app-1 that step 'Restore the release' changed are not in this"
        " configuration's inventory: undo it with the configuration it ran with (--config DIR)"
    ]
    inventory.write_text(written)

    undone = fleet.cli("undo", str(journal), "restore", "--hosts", "app-2", "--yes")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert "restore: undone on app-2; journal" in undone.stdout
    closed = next(e for e in read_journal(journal).events if e.kind == Kind.INCIDENT_CLOSED)
    assert f"# the incident was closed ({closed.data.label}); the undo" in undone.stdout
    assert f"({closed.data.outcome})" not in undone.stdout  # the words, not the key
    assert fleet.written("version") == {"app-1": "2.4.1\n", "app-2": "2.5.0\n"}

    events = read_journal(journal).events
    after_close = events[[e.kind for e in events].index(Kind.INCIDENT_CLOSED) + 1 :]
    kinds = [e.kind for e in after_close]
    assert kinds[0] == Kind.LOCK_ACQUIRED and kinds[-1] == Kind.LOCK_RELEASED
    started = next(e for e in after_close if e.kind == Kind.STEP_STARTED)
    assert (started.where.step, started.data.hosts, started.data.undo_of) == (
        "restore.undo",
        ["app-2"],
        "restore",
    )
    completed = next(e for e in after_close if e.kind == Kind.STEP_COMPLETED)
    assert completed.data.status == "done"
    # The home screen's list no longer ticks it as rolled back.
    (listed,) = Engine(load_settings(fleet.config), journal.parent.parent).incidents()
    assert listed.undo == "undone" and _outcome(listed) == "↶ rolled back, undone since"

    # The document's summary said only that the strategy ran and when it restored.
    document = fleet.cli("export", str(journal))
    assert document.returncode == 0, document.stderr
    summary = document.stdout.split("## Summary", 1)[1].split("##", 1)[0]
    assert "The rollback was undone since on 1 host (app-2)." in summary, summary


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("restroe",),
            "error: STEP 'restroe': no such step in the procedure (did you mean 'restore'?)"
            " (its strategy steps: restore)",
        ),
        (("look",), "error: step 'Look' ran no strategy to undo"),
        (("restore", "--hosts", "app-9"), "error: step 'Restore the release' did not run on"),
    ],
)
def test_an_undo_that_cannot_run_is_one_line_and_changes_nothing(fleet, args, message):
    journal = rolled_back(fleet)
    recorded = journal.read_bytes()
    result = fleet.cli("undo", str(journal), *args, "--yes")
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(message), result.stderr
    assert journal.read_bytes() == recorded
    assert fleet.written("version") == dict.fromkeys(HOSTS, "2.4.1\n")


def test_undo_leaves_alone_a_host_whose_precheck_refused(fleet):
    """app-1 was on 2.4.1 already, by an earlier rollback that kept 2.3.0 aside: this run's
    precheck refused it (nothing done), app-2 rolled back. The undo goes to app-2 alone;
    it went to app-1 too, and moved it to the earlier incident's 2.3.0 (seen with the
    releases preset on a real sshd fleet: the undo of an incident that changed nothing on
    web-1 put back the release an earlier incident had rolled back from)."""
    app_1 = fleet.sandboxes["app-1"]
    (app_1 / "version").write_text("2.4.1\n")
    (app_1 / "version.replaced").write_text("2.3.0\n")
    result = fleet.cli(
        "run", "--systems", "app", "--strategy", "pin-release", "--trigger", "user-impact",
        "--reason", "checkout errors", "--yes", "--journal", str(fleet.state / "incident"),
    )  # fmt: skip
    assert fleet.written("version") == dict.fromkeys(HOSTS, "2.4.1\n"), result.stdout
    journal = fleet.state / "incident" / "journal.jsonl"

    seen = fleet.cli("undo", str(journal), "restore", "--dry-run")
    assert seen.returncode == 0, seen.stderr
    assert "### app-2 undo" in seen.stdout and "### app-1 undo" not in seen.stdout
    named = fleet.cli("undo", str(journal), "restore", "--hosts", "app-1", "--yes")
    assert named.returncode == 2
    assert named.stderr.startswith(
        "error: step 'Restore the release' changed nothing on 'app-1' (it went no further"
        " than its precheck"
    ), named.stderr
    undone = fleet.cli("undo", str(journal), "restore", "--yes")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert fleet.written("version") == {"app-1": "2.4.1\n", "app-2": "2.5.0\n"}


def test_an_undo_that_finds_a_change_since_is_refused_not_failed(sshd_server, tmp_path):
    """The releases preset's undo on a host whose `current` moved on since the rollback
    (another release deployed by hand) changes nothing there. Walked on a README fleet, it
    read 'undo failed: non-zero exit' and 'restore: undo FAILED', exit 1, for an undo that
    did nothing: it is refused, as a precheck finding nothing to do is (exit 3), and said so
    on the host, the step, the last line and in the document."""
    files = {"strategies.toml": {"strategies": [{"name": "rb", "kind": "version-rollback"}]}}
    fleet = write_fleet(sshd_server, tmp_path, {**files, "procedure.toml": PROCEDURE},
                        strategies=["rb"], probes=[])  # fmt: skip
    for sandbox in fleet.sandboxes.values():
        for release in ("2.4.0", "2.5.0", "2.6.0"):
            (sandbox / "releases" / release).mkdir(parents=True)
        (sandbox / "current").symlink_to("releases/2.5.0")
        chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)
    journal = fleet.state / "incident"
    ran = fleet.cli("run", "--systems", "app", "--strategy", "rb", "--trigger", "user-impact",
                    "--reason", "checkout errors", "--yes", "--journal", str(journal))  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    moved = fleet.sandboxes["app-2"] / "current"
    moved.unlink()
    moved.symlink_to("releases/2.6.0")  # deployed by hand since

    undone = fleet.cli("undo", str(journal), "restore", "--yes")
    assert undone.returncode == 3, undone.stdout + undone.stderr
    last = undone.stdout.splitlines()[-1]
    assert last.startswith(
        "restore: undone on app-1; undo REFUSED on app-2, nothing changed there (app-2:"
        " current points at 2.6.0, not 2.4.0 where this incident's rollback left it:"
        " nothing to undo); journal "
    ), last
    assert "FAILED" not in undone.stdout and "undo failed" not in undone.stdout
    assert os.readlink(moved) == "releases/2.6.0"
    state = fold(read_journal(journal / "journal.jsonl").events)
    assert state.step("restore.undo").hosts["app-2"].status is HostStatus.REFUSED
    document = fleet.cli("export", str(journal), "--format", "markdown").stdout
    assert "An undo was refused on 1 host (app-2): it found nothing of this incident's" in document
