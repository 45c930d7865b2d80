"""A config restore's `revision = previous` restores what the hosts said it holds when the
commander confirmed it, or nothing. Seen at 80x24 on a real sshd fleet of three
etckeeper-style repositories: the confirmation named `previous` on every host as the good
revision, someone committed a hotfix (workers 48) on edge-2 before the yes, and the run
restored edge-2 to the bad delivery (workers 0, `previous` there by then) over the hotfix,
`✔ succeeded`: the run kept `previous`, which each precheck resolved again. The content
confirmed is now pinned (`content`, chosen again with the yes, as headless `run` does) and
a host whose `previous` holds other content by the time the run gets there is refused at
its precheck, nothing changed, saying so. And hosts with nothing to do (restored already
by another incident) are compared with the others: one left holding other content than
they get stops the step before anything is sent, as hosts that would be restored to
different content do."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.step_state import HostRun
from console.ui.screens.confirm_run import RunConfirm
from tests.cli_fleet import Fleet, write_fleet
from tests.fleet_settings import chown_tree
from tests.test_canary_headless import STRATEGIES as CANARY
from tests.test_presets_sshd import etc_repository, git
from tests.test_resolve_git_content_sshd import CONF, HOSTS, _owned, repo, workers
from tests.test_resolve_git_sshd import PROCEDURE
from tests.test_resolve_release_sshd import confirmation, sent
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
)

pytestmark = pytest.mark.sshd

[CANARY_RESTORE] = CANARY["strategies"]
# the canary's etc-restore, one host after the other (no yes between), each restarted by
# its own restart.sh and checked
RESTART = {"name": "restart", "default": "sh ./restart.sh"}
CHECK = {"name": "check", "default": "test -s etc/nginx/nginx.conf"}
RESTORE = {**CANARY_RESTORE, "params": [*CANARY_RESTORE["params"], RESTART, CHECK]}
STRATEGIES = {"strategies": [{**RESTORE, "waves": {"size": 1}}]}
MOVED = "nginx changed since the hosts were asked (now at "
AGAIN = "revision=previous would restore other content than was confirmed for this step ("


def _fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["etc-restore"], probes=[], hosts=HOSTS
    )
    for sandbox in fleet.sandboxes.values():
        etc_repository(sandbox)
        (sandbox / "restart.sh").write_text("true\n")
    return fleet


def hotfix(repo: Path) -> str:
    """The shell committing a hotfix (workers 48) in `repo`."""
    return (
        f"cd {repo} && echo 'worker_processes 48;' > {CONF} &&"
        " git commit -q -a -m 'hotfix: workers 48'\n"
    )


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    """Good (workers 4), then the bad delivery (workers 0), on every host."""
    return _owned(_fleet(sshd_server, tmp_path), sshd_server)


@pytest.fixture
def moved_in_the_run(sshd_server, tmp_path: Path) -> Fleet:
    """As `fleet`, and web-1's restart commits a hotfix on web-2: someone fixing web-2 by
    hand while the run, asked and confirmed before, goes host by host."""
    fleet = _fleet(sshd_server, tmp_path)
    (fleet.sandboxes["web-1"] / "restart.sh").write_text(hotfix(repo(fleet, "web-2")))
    return _owned(fleet, sshd_server)


def run(fleet: Fleet, journal: Path, *args: str):
    return fleet.cli(
        "run", "--systems", "app", "--strategy", "etc-restore", "--trigger", "user-impact",
        "--reason", "nginx workers 0", "--yes", "--journal", str(journal), *args,
    )  # fmt: skip


def test_headless_refuses_a_host_whose_previous_moved_after_it_was_asked(
    moved_in_the_run, tmp_path
):
    journal = tmp_path / "run"

    done = run(moved_in_the_run, journal)

    assert done.returncode == 1, done.stdout + done.stderr
    # web-2 keeps its hotfix: never the bad delivery, which `previous` there had become
    assert workers(moved_in_the_run)["web-2"] == "worker_processes 48;"
    assert workers(moved_in_the_run)["web-1"] == "worker_processes 4;"
    assert MOVED in done.stdout, done.stdout
    events = read_journal(journal).events
    # the content confirmed is on record: the strategy chosen again with it
    chosen = [e.data.params for e in events if e.kind == Kind.STRATEGY_CHOSEN]
    assert chosen[-1]["revision"] == "previous" and len(chosen[-1]["content"]) == 40, chosen
    ended = {
        e.where.host: e.data.exit_status
        for e in events
        if e.kind == Kind.COMMAND_RESULT and e.data.stage == "precheck"
    }
    assert ended.get("web-2") == 3, ended


async def test_the_console_refuses_a_host_that_moved_between_the_question_and_the_yes(
    fleet, sshd_server, tmp_path
):
    owner = (sshd_server.account.uid, sshd_server.account.gid)
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        said = await confirmation(app, pilot, "etc-restore", ())
        assert "Resolved: revision=previous on web-1" in said, said
        assert "the run restores this content only" in said, said
        web_2 = repo(fleet, "web-2")  # a hotfix committed there before the yes
        (web_2 / CONF).write_text("worker_processes 48;\n")
        git(web_2, "commit", "-q", "-a", "-m", "hotfix: workers 48")
        chown_tree(web_2, *owner)
        await pilot.press("y")
        conductor = app.conductor

        def web_2() -> HostRun | None:
            return conductor.state.step("restore").hosts.get("web-2")

        await until(pilot, lambda: (run := web_2()) is not None and bool(run.finished), 60)
        moved = web_2()
        assert moved is not None and moved.status.value == "failed", moved
        assert moved.stage == "precheck" and MOVED in moved.said(), moved.said()
        # retried alone, web-2 is asked again: its `previous` (the bad delivery since the
        # hotfix) is compared with the content confirmed, never pinned as the content
        await until(
            pilot, lambda: any("Retry failed hosts" in n.message for n in app._notifications)
        )
        app.start_run("restore", only_hosts=["web-2"])

        def answered() -> bool:
            return isinstance(app.screen, RunConfirm) or any(
                n.title == "Not started" for n in app._notifications
            )

        await until(pilot, answered, 60)
        assert not isinstance(app.screen, RunConfirm), "the retry of web-2 was offered"
        [said] = [n.message for n in app._notifications if n.title == "Not started"]
        assert AGAIN in said and "web-2: nginx " in said, said
        notes = [
            e.data.text
            for e in read_journal(conductor.recorder.path).events
            if e.kind == Kind.NOTE_ADDED
        ]
        assert any(AGAIN in n for n in notes), notes
        assert sent(app).count("web-2") == 1  # its refused precheck; nothing since
    # web-2 keeps its hotfix; web-1, before it, is restored (web-3 waits on the halt)
    assert workers(fleet)["web-2"] == "worker_processes 48;"
    assert workers(fleet)["web-1"] == "worker_processes 4;"


@pytest.fixture
def restored_apart(sshd_server, tmp_path: Path) -> Fleet:
    """As `fleet`, with web-3's history an older revision (workers 2) before the good one."""
    fleet = _fleet(sshd_server, tmp_path)
    web_3 = repo(fleet, "web-3")
    git(web_3, "checkout", "-q", "HEAD~1", "--", "nginx")
    (web_3 / CONF).write_text("worker_processes 2;\n")
    git(web_3, "commit", "-q", "-a", "-m", "older: workers 2")
    (web_3 / CONF).write_text("worker_processes 0;\n")
    (web_3 / "nginx/extra.conf").write_text("include /nowhere;\n")
    git(web_3, "add", "-A")
    git(web_3, "commit", "-q", "-m", "bad delivery again")
    return _owned(fleet, sshd_server)


def test_a_host_with_nothing_to_do_holding_other_content_stops_it(restored_apart, tmp_path):
    """web-3 was restored by an earlier incident to a revision of its own naming (workers
    2): `previous` there would undo that restore, so it has nothing to do, and the others
    would be restored to workers 4. The step stops before anything is sent, naming it."""
    earlier = run(
        restored_apart, tmp_path / "earlier", "--hosts", "web-3", "--param", "revision=HEAD~1"
    )
    assert earlier.returncode == 0, earlier.stdout + earlier.stderr
    assert workers(restored_apart)["web-3"] == "worker_processes 2;"

    stopped = run(restored_apart, tmp_path / "run")

    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    assert workers(restored_apart) == {
        "web-1": "worker_processes 0;",
        "web-2": "worker_processes 0;",
        "web-3": "worker_processes 2;",
    }
    verdict = stopped.stdout.strip().splitlines()[-1]
    assert "revision=previous would restore different content on the hosts (" in verdict, verdict
    assert "web-3: nothing to do: nginx already restored to " in verdict, verdict
    events = read_journal(tmp_path / "run").events
    assert not [e for e in events if e.kind == Kind.COMMAND_INTENT and e.where.step == "restore"]


async def test_hosts_with_nothing_to_do_holding_the_same_content_are_said_so(fleet, tmp_path):
    earlier = run(fleet, tmp_path / "earlier", "--hosts", "web-3")
    assert earlier.returncode == 0, earlier.stdout + earlier.stderr
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        said = await confirmation(app, pilot, "etc-restore", ())
        assert "nothing to do, refused at their precheck: web-3: nginx already restored" in said
        assert "(they hold what the others are restored to)" in said, said
        assert sent(app) == []
