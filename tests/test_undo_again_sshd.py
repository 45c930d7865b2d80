"""An undo that failed on one host, run again once the cause is fixed, goes there alone:
walked on a hand-built sshd fleet (helper-157), web-4 down during `undo`, the undo put the
other three back and ended 'restore: undo FAILED' (naming no host, nor the way on); the
same `undo` again, web-4 up, sent the undo to all four: 'already back on 2.10.0' and their
service restarted a second time (a custom undo would have undone twice). The hosts its
undo put back since the step last ran there are left alone unless named (--hosts), and
the failed undo's last line names where it stands and that command."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomli_w

from console.journal.store import read_journal
from console.model.events import Kind
from console.model.payloads import StepStarted
from tests.cli_fleet import Fleet
from tests.test_needed_nothing_sshd import HOSTS, STRATEGIES, releases, releases_fleet, run
from tests.test_serve import said_until

pytestmark = pytest.mark.sshd

RESTARTS = "restarts"


@pytest.fixture
def fleet(sshd_server, tmp_path) -> Fleet:
    """Four hosts on 2.10.0, whose restart leaves a line in `restarts` each time."""
    [strategy] = STRATEGIES["strategies"]
    counted = {**strategy, "params": [{"name": "restart", "default": f"echo x >> {RESTARTS}"}]}
    fleet = releases_fleet(sshd_server, tmp_path, STRATEGIES, HOSTS)
    (fleet.config / "strategies.toml").write_text(tomli_w.dumps({"strategies": [counted]}))
    return fleet


@contextlib.contextmanager
def read_only(sandbox: Path) -> Iterator[None]:
    sandbox.chmod(0o555)
    try:
        yield
    finally:
        sandbox.chmod(0o755)


def restarts(fleet: Fleet) -> dict[str, int]:
    return {h: (s / RESTARTS).read_text().count("x") for h, s in fleet.sandboxes.items()}


def test_the_undo_again_goes_only_where_it_failed(fleet, tmp_path):
    journal = tmp_path / "incident"
    ran = run(fleet, journal)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert restarts(fleet) == dict.fromkeys(HOSTS, 1)

    with read_only(fleet.sandboxes["app-3"]):  # the link cannot be swapped back there
        failed = fleet.cli("undo", str(journal), "restore", "--yes")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert [h for h, release in releases(fleet).items() if release != "2.10.0"] == ["app-3"]
    last = failed.stdout.strip().splitlines()[-1]
    assert last.startswith(
        "restore: undo FAILED; undone on app-1, app-2, app-4; failed: app-3; to go on once"
        " the cause is fixed: rollback-console undo "
    ), last
    assert last.endswith(
        f" restore --dry-run --config {fleet.config}, then --yes; journal {journal / 'journal.jsonl'}"
    ), last

    dry = fleet.cli("undo", str(journal), "restore", "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "### app-3 undo" in dry.stdout and "app-1" not in dry.stdout.split("### ", 1)[1], (
        dry.stdout
    )

    again = fleet.cli("undo", str(journal), "restore", "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert set(releases(fleet).values()) == {"2.10.0"}
    # The rollback's restart and one undo's each, nowhere a second undo's.
    assert restarts(fleet) == dict.fromkeys(HOSTS, 2)
    started = [
        e.data.hosts
        for e in read_journal(journal / "journal.jsonl").events
        if e.kind == Kind.STEP_STARTED
        and isinstance(e.data, StepStarted)
        and e.where.step == "restore.undo"
    ]
    assert [list(h) for h in started] == [list(HOSTS), ["app-3"]]

    # Every host put back: nothing left to undo, nothing sent.
    done = fleet.cli("undo", str(journal), "restore", "--yes")
    assert done.returncode == 2, done.stdout + done.stderr
    assert (
        "succeeded already on every host the step changed (app-1, app-2, app-3, app-4): nothing left to undo"
        in done.stderr
    )
    assert restarts(fleet) == dict.fromkeys(HOSTS, 2)


def test_an_undo_interrupted_aborts_and_says_so(fleet, tmp_path):
    """Walked at 80x24 (helper-157): Ctrl+C on `undo` while a host's restart ran ended it
    with no word, nothing journalled (its command there left with no outcome) and its
    lock released; a TERM killed it as a KILL would. `undo` aborts as `run` does: the
    abort journalled, the commands stopped, the last line says where it stands."""
    journal = tmp_path / "incident"
    slow = "[ ! -e slow ] || exec sleep 60; echo x >> restarts"
    [strategy] = STRATEGIES["strategies"]
    (fleet.config / "strategies.toml").write_text(
        tomli_w.dumps(
            {"strategies": [{**strategy, "params": [{"name": "restart", "default": slow}]}]}
        )
    )
    assert run(fleet, journal).returncode == 0
    (fleet.sandboxes["app-2"] / "slow").touch()

    undo = fleet.started("undo", str(journal), "restore", "--yes")
    try:
        said = ""  # the others done, app-2's link back: its restart runs on
        # the place column is as wide as the incident's longest place: restore.undo
        for text in [f"{h:<12} undo succeeded" for h in ("app-1", "app-3", "app-4")] + [
            f"{'app-2':<12} | undone"
        ]:
            if text not in said:
                said += said_until(undo, text)
            assert text in said, said
        undo.send_signal(signal.SIGTERM)
        rest, _ = undo.communicate(timeout=60)
    finally:
        if undo.poll() is None:
            undo.kill()
            undo.wait(timeout=30)
    assert undo.returncode == 1, said + rest
    last = rest.strip().splitlines()[-1]
    assert last.startswith(
        "restore: undo ABORTED (interrupted by SIGTERM); undone on app-1, app-3, app-4; aborted: app-2; to go on once the cause is fixed: rollback-console undo "
    ), last
    events = read_journal(journal / "journal.jsonl").events
    assert [e.data.reason for e in events if e.kind == Kind.RUN_ABORTED] == [
        "interrupted by SIGTERM"
    ]
    results = [
        e.data
        for e in events
        if e.kind == Kind.COMMAND_RESULT
        and e.where.host == "app-2"
        and e.where.step == "restore.undo"
    ]
    assert results and results[-1].aborted, results
    assert events[-1].kind == Kind.LOCK_RELEASED
