"""A rollback whose restart never finished, taken over by the next incident, on real
sshd. Walked headless on a README fleet: `run` switched web-1's link and its restart
failed (or its terminal closed mid-restart: aborted), and that run closed its incident.
Every later run refused the host, `already rolled back to 2.4.0 ... previous would go
further back` or, the release named, `already on 2.4.0: nothing to roll back`, while the
service still ran the bad release: nothing could finish the rollback but a command by
hand. The next incident now takes it over: its precheck says whose rollback it finds and
that the restart never finished, its action runs the restart, and the owed mark goes. So
do a git config restore's and a flag file's."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.state import HostStatus, fold
from tests.cli_fleet import FLAG_PARAMS, FLAG_PROCEDURE, flag_fleet, run_off
from tests.pgrig import run_console
from tests.test_lost_mid_change import release_fleet
from tests.test_presets_sshd import etc_repository, etc_restore, git

pytestmark = pytest.mark.sshd

# The restart fails until the test writes `ok` beside the link (a sudo rule fixed, say).
RESTART = "test -e ok && echo restarted > restarted"
STRATEGIES = {
    "strategies": [
        {
            "name": "release",
            "kind": "version-rollback",
            "params": [
                {"name": "restart", "default": RESTART},
                {"name": "check", "default": "test -e restarted"},
            ],
        }
    ]
}


def _run(fleet, journal: Path, *extra: str) -> subprocess.CompletedProcess:
    return fleet.cli(
        "run", "--systems", "app", "--strategy", "release", "--trigger", "user-impact",
        "--reason", "1.11.0 breaks checkout", "--yes", "--journal", str(journal), *extra,
    )  # fmt: skip


def test_the_next_incident_runs_the_restart_a_closed_one_left_owed(sshd_server, tmp_path):
    fleet = release_fleet(sshd_server, tmp_path, STRATEGIES)
    first = _run(fleet, tmp_path / "first")
    assert first.returncode == 1, first.stdout + first.stderr
    for host, sandbox in fleet.sandboxes.items():
        assert (sandbox / "current").readlink() == Path("releases/1.10.0"), host
        assert list((sandbox / ".rollback").glob("*-restart-owed")), host  # owed, closed
        (sandbox / "ok").touch()

    second = _run(fleet, tmp_path / "second")

    assert second.returncode == 0, second.stdout + second.stderr
    events = read_journal(tmp_path / "first" / "journal.jsonl").events
    first_id = fold(events).incident_id
    said = (
        f"current release: 1.10.0, where incident {first_id}'s rollback put it; its restart"
        f" never finished ({RESTART}): this rollback runs it"
    )
    assert said in second.stdout, second.stdout
    # what `previous` stands for, asked before the yes, says the same
    assert (
        "resolved target=previous (release) as 1.10.0 on app-1, app-2 (2 hosts): on 1.10.0,"
        f" where incident {first_id}'s rollback put it; its restart never finished: this"
        " rollback runs it"
    ) in second.stdout, second.stdout
    state = fold(read_journal(tmp_path / "second" / "journal.jsonl").events)
    hosts = state.step("restore").hosts
    assert {h: r.status for h, r in hosts.items()} == dict.fromkeys(
        fleet.sandboxes, HostStatus.SUCCEEDED
    )
    for host, sandbox in fleet.sandboxes.items():
        assert (sandbox / "restarted").read_text() == "restarted\n", host
        assert not list((sandbox / ".rollback").glob("*-restart-owed")), host
        assert (sandbox / "current").readlink() == Path("releases/1.10.0"), host

    # Its undo puts back the release the first incident replaced.
    undo = fleet.cli("undo", str(tmp_path / "second"), "restore", "--yes")
    assert undo.returncode == 0, undo.stdout + undo.stderr
    for host, sandbox in fleet.sandboxes.items():
        assert (sandbox / "current").readlink() == Path("releases/1.11.0"), host


def test_a_run_with_no_restart_cannot_take_it_over_and_says_so(sshd_server, tmp_path):
    fleet = release_fleet(sshd_server, tmp_path, STRATEGIES)
    first = _run(fleet, tmp_path / "first")
    assert first.returncode == 1, first.stdout + first.stderr

    second = _run(fleet, tmp_path / "second", "--param", "restart=")

    assert second.returncode != 0, second.stdout
    first_id = fold(read_journal(tmp_path / "first" / "journal.jsonl").events).incident_id
    owed = {
        h: s / ".rollback" / f"release-{first_id}-restart-owed" for h, s in fleet.sandboxes.items()
    }
    assert (  # the first host's words (the resolve names one)
        f"current points at 1.10.0, where incident {first_id}'s rollback put it, but its"
        f" restart never finished: {RESTART} (cut off, or it failed), and restart is empty"
        f" here: restart the service by hand, then remove {owed['app-1']}; or give restart"
    ) in second.stdout, second.stdout
    for host, sandbox in fleet.sandboxes.items():
        assert not (sandbox / "restarted").exists()
        assert owed[host].exists()  # still owed

    # As it says: the service restarted by hand and the mark removed, nothing is owed (it
    # said the same again, naming no way on but `restart`).
    for path in owed.values():
        path.unlink()
    third = _run(fleet, tmp_path / "third", "--param", "restart=")
    assert "never finished" not in third.stdout, third.stdout
    assert "already rolled back to 1.10.0 (from 1.11.0" in third.stdout, third.stdout


def test_a_git_restore_whose_restart_failed_is_taken_over(sshd_server, tmp_path):
    """config-restore (git): `previous` on paths a closed incident restored, its restart
    failed, was refused as 'already restored ... previous would undo that restore'."""
    root = sshd_server.sandbox("host")
    repo = etc_repository(root)
    restart = f'{{ name = "restart", default = "{RESTART}" }}'
    config = etc_restore(sshd_server, tmp_path, root, repo, restart)
    first = run_console(config, tmp_path / "first", "etc-restore", system="web")
    assert first.returncode == 1, first.stdout
    assert (repo / "nginx/nginx.conf").read_text() == "worker_processes 4;\n"
    (root / "ok").touch()

    second = run_console(config, tmp_path / "second", "etc-restore", system="web")

    first_id = fold(first.events).incident_id
    said = f"as incident {first_id} restored them; its restart never finished ({RESTART})"
    assert said in second.stdout, second.stdout
    hosts = fold(second.events).step("restore").hosts
    assert hosts["db-1"].status is HostStatus.SUCCEEDED, second.stdout
    assert (root / "restarted").read_text() == "restarted\n"
    assert not list((root / ".rollback").glob("*-restart-owed"))
    assert git(repo, "log", "-n", "1", "--format=%s").startswith(f"rollback-console {first_id}")


def _off_fleet(sshd_server, tmp_path, restart: str = RESTART):
    """A fleet whose toggle-off `off` reloads with `restart`, new_checkout=100 on each host."""
    params = [*FLAG_PARAMS, {"name": "restart", "default": restart}]
    strategies = {
        "strategies": [
            {"name": "off", "kind": "feature-toggle-off", "preset": "file", "params": params}
        ]
    }
    files = {"strategies.toml": strategies, "procedure.toml": FLAG_PROCEDURE}
    return flag_fleet(sshd_server, tmp_path, files, ["off"], "new_checkout=100\n")


def test_a_flag_off_whose_reload_failed_is_taken_over(sshd_server, tmp_path):
    """feature-toggle-off (file): the flags at 0 with the reload owed read 'already read 0:
    nothing to disable'; undo then puts back what they read before the first incident."""
    fleet = _off_fleet(sshd_server, tmp_path)
    first = run_off(fleet)
    assert first.returncode == 1, first.stdout
    assert fleet.written("flags") == dict.fromkeys(fleet.sandboxes, "new_checkout=0\n")
    [before] = (fleet.state / "incidents").glob("*/journal.jsonl")

    _reload_taken_over(fleet)

    # the second incident's (two opened in one second sort by their random part)
    [journal] = set((fleet.state / "incidents").glob("*/journal.jsonl")) - {before}
    state = fold(read_journal(journal).events)
    assert {r.status for r in state.step("restore").hosts.values()} == {HostStatus.SUCCEEDED}
    undo = fleet.cli("undo", str(journal), "restore", "--yes")
    assert undo.returncode == 0, undo.stdout + undo.stderr
    assert fleet.written("flags") == dict.fromkeys(fleet.sandboxes, "new_checkout=100\n")


def test_a_reload_with_a_backslash_is_taken_over(sshd_server, tmp_path):
    """A restart holding a backslash (printf's \\n): dash's echo wrote the mark's first line
    as two, and its second line no longer named the flags file: the next toggle-off read
    'already read 0: nothing to disable', the reload still owed."""
    restart = r"test -e ok && printf 'restarted\n' > restarted"
    fleet = _off_fleet(sshd_server, tmp_path, restart)
    assert run_off(fleet).returncode == 1  # its reload fails: owed, the incident closed

    # taken over, the command said whole on the precheck's line (dash's echo read its
    # backslash: the line said it on two)
    _reload_taken_over(fleet, restart + "): this run runs it")


def test_another_services_restart_leaves_the_owed_one_in_place(sshd_server, tmp_path):
    """Two flag files in one work directory, each its own service's: the first's reload
    failed (owed, its incident closed); a toggle-off of the other service, whose restart
    is its own, removed every mark of the kind, the first's too, and the first's next run
    was refused 'already read 0: nothing to disable' while its service never reloaded."""
    params = [*FLAG_PARAMS, {"name": "restart", "default": RESTART}]
    other = [
        {"name": "flags", "default": "beta"},
        {"name": "flags_file", "default": "other-flags"},
        {"name": "restart", "default": "echo other > other-restarted"},
        {"name": "check", "default": "test -e other-restarted"},
    ]
    strategies = {
        "strategies": [
            {"name": "off", "kind": "feature-toggle-off", "preset": "file", "params": params},
            {"name": "other", "kind": "feature-toggle-off", "preset": "file", "params": other},
        ]
    }
    files = {"strategies.toml": strategies, "procedure.toml": FLAG_PROCEDURE}
    fleet = flag_fleet(sshd_server, tmp_path, files, ["off", "other"], "new_checkout=100\n")
    for sandbox in fleet.sandboxes.values():
        (sandbox / "other-flags").write_text("beta=100\n")
        os.chown(sandbox / "other-flags", sshd_server.account.uid, sshd_server.account.gid)
    assert run_off(fleet).returncode == 1  # its reload fails: owed, the incident closed

    second = fleet.cli(
        "run", "--systems", "app", "--strategy", "other", "--trigger", "user-impact",
        "--reason", "beta broken", "--yes",
    )  # fmt: skip

    assert second.returncode == 0, second.stdout + second.stderr
    assert fleet.written("other-restarted") == dict.fromkeys(fleet.sandboxes, "other\n")
    for sandbox in fleet.sandboxes.values():
        assert len(list((sandbox / ".rollback").glob("*.restart-owed"))) == 1  # still owed
    _reload_taken_over(fleet)


def _reload_taken_over(fleet, said: str = RESTART + "): this run runs it") -> None:
    """The reload fixed (`ok`), the next toggle-off takes the owed one over and runs it."""
    for sandbox in fleet.sandboxes.values():
        (sandbox / "ok").touch()
    again = run_off(fleet)
    assert " its restart never finished (" + said in again.stdout, again.stdout
    assert fleet.written("restarted") == dict.fromkeys(fleet.sandboxes, "restarted\n")
    for sandbox in fleet.sandboxes.values():
        assert not list((sandbox / ".rollback").glob("*.restart-owed"))


def test_a_restart_of_the_same_file_by_another_command_pays_the_owed_one(sshd_server, tmp_path):
    """The first toggle-off's reload failed (a wrong command), the flag put back on by
    hand, and the next toggle-off, its restart corrected (`--param restart=...`), reloaded
    the service: nothing is owed any more, and a third is refused, nothing to do (the mark
    of the first, another command's, was left, and the third took it over as a restart
    that never finished)."""
    fleet = _off_fleet(sshd_server, tmp_path)
    assert run_off(fleet).returncode == 1  # its reload fails: owed, the incident closed
    for sandbox in fleet.sandboxes.values():
        (sandbox / "flags").write_text("new_checkout=100\n")  # back on, by hand

    fixed = fleet.cli(
        "run", "--systems", "app", "--strategy", "off", "--trigger", "user-impact",
        "--reason", "checkout broken", "--yes", "--param", "restart=echo fixed > restarted",
    )  # fmt: skip

    assert fleet.written("restarted") == dict.fromkeys(fleet.sandboxes, "fixed\n"), fixed.stdout
    for sandbox in fleet.sandboxes.values():
        assert not list((sandbox / ".rollback").glob("*.restart-owed"))
    third = run_off(fleet)
    assert "new_checkout already read 0 in flags: nothing to disable" in third.stdout, third.stdout
    assert "never finished" not in third.stdout
