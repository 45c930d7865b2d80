"""A config restore's `revision = previous` is each repository's own commit, but what it
holds must be the same on every host. Seen on a real sshd fleet of three hosts, each an
etckeeper-style repository: on web-2 someone had committed a hotfix (workers 48) after
the bad delivery, so `previous` there was the bad delivery's own commit; `run --yes`
restored the bad workers over the hotfix and closed "rolled back and verified", the only
sign a `noted: Resolved: ...` line. The resolve now says what the revision holds on the
paths (a hash of their blob ids, alike in every repository): hosts that would end up with
different content stop the step before anything is sent, headless and in the console at
80x24, each host's `previous` named and how to say what is wanted. Hosts whose histories
differ but whose `previous` holds the same content go on."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.outcome import Outcome
from console.model.state import fold
from tests.cli_fleet import Fleet, write_fleet
from tests.fleet_settings import chown_tree
from tests.test_presets_sshd import etc_repository, git
from tests.test_resolve_git_sshd import PROCEDURE, STRATEGIES
from tests.test_resolve_release_sshd import confirmation, sent
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
)

pytestmark = pytest.mark.sshd

HOSTS = ("web-1", "web-2", "web-3")
CONF = "nginx/nginx.conf"


def _fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["etc-restore"], probes=[], hosts=HOSTS
    )
    return fleet


def _owned(fleet: Fleet, sshd_server) -> Fleet:
    for sandbox in fleet.sandboxes.values():
        chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)
    return fleet


@pytest.fixture
def hotfixed(sshd_server, tmp_path: Path) -> Fleet:
    """Good (workers 4), the bad delivery (workers 0) on every host; then on web-2 a
    hotfix committed (workers 48)."""
    fleet = _fleet(sshd_server, tmp_path)
    for sandbox in fleet.sandboxes.values():
        etc_repository(sandbox)
    web_2 = repo(fleet, "web-2")
    (web_2 / CONF).write_text("worker_processes 48;\n")
    git(web_2, "commit", "-q", "-a", "-m", "hotfix: workers 48")
    return _owned(fleet, sshd_server)


@pytest.fixture
def histories_apart(sshd_server, tmp_path: Path) -> Fleet:
    """The same good and bad content everywhere; web-2's repository came to the good one
    by an earlier commit of its own (workers 2, then 4): other commit ids, same content."""
    fleet = _fleet(sshd_server, tmp_path)
    for host, sandbox in fleet.sandboxes.items():
        if host == "web-2":
            early = sandbox / "etc"
            (early / "nginx").mkdir(parents=True)
            git(early, "init", "-q")
            git(early, "config", "user.email", "ops@example.com")
            git(early, "config", "user.name", "ops")
            (early / CONF).write_text("worker_processes 2;\n")
            git(early, "add", "-A")
            git(early, "commit", "-q", "-m", "initial")
            (early / CONF).write_text("worker_processes 4;\n")
            git(early, "commit", "-q", "-a", "-m", "good")
            (early / CONF).write_text("worker_processes 0;\n")
            (early / "nginx/extra.conf").write_text("include /nowhere;\n")
            git(early, "add", "-A")
            git(early, "commit", "-q", "-m", "bad delivery")
        else:
            etc_repository(sandbox)
    return _owned(fleet, sshd_server)


def repo(fleet: Fleet, host: str) -> Path:
    return fleet.sandboxes[host] / "etc"


def commit(fleet: Fleet, host: str, rev: str) -> str:
    return git(repo(fleet, host), "log", "-n", "1", "--format=%h %s", rev)


def heads(fleet: Fleet) -> dict[str, str]:
    return {h: git(repo(fleet, h), "rev-parse", "HEAD") for h in HOSTS}


def workers(fleet: Fleet) -> dict[str, str]:
    return {h: (repo(fleet, h) / CONF).read_text().strip() for h in HOSTS}


def run(fleet: Fleet, journal: Path):
    return fleet.cli(
        "run", "--systems", "app", "--strategy", "etc-restore", "--trigger", "user-impact",
        "--reason", "nginx workers 0", "--yes", "--journal", str(journal),
    )  # fmt: skip


def _previous_on(fleet: Fleet) -> tuple[str, str]:
    """What each host's `previous` is, as the stop names it: web-1 and web-3 the good
    revision (web-1's commits), web-2 the bad delivery under the hotfix."""
    good = f"nginx {commit(fleet, 'web-1', 'HEAD')} → {commit(fleet, 'web-1', 'HEAD^')}"
    bad = f"nginx {commit(fleet, 'web-2', 'HEAD')} → {commit(fleet, 'web-2', 'HEAD^')}"
    return (
        f"web-1, web-3: {good} (2 files changed), as on web-1",
        f"web-2: {bad} (1 file changed)",
    )


def test_headless_stops_before_sending_when_previous_holds_other_content(hotfixed, tmp_path):
    before, journal = heads(hotfixed), tmp_path / "run"
    good, bad = _previous_on(hotfixed)

    stopped = run(hotfixed, journal)

    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    # nothing changed on any host: web-2 keeps its hotfix, the others the bad delivery
    assert heads(hotfixed) == before
    assert workers(hotfixed) == {
        "web-1": "worker_processes 0;",
        "web-2": "worker_processes 48;",
        "web-3": "worker_processes 0;",
    }
    assert not any((s / ".rollback").exists() for s in hotfixed.sandboxes.values())
    verdict = stopped.stdout.strip().splitlines()[-1]
    problem = (
        "FAILED: “Restore the configuration” not started, nothing sent: revision=previous"
        f" would restore different content on the hosts ({good}; {bad}): name the one to"
        " restore (a commit or tag every host has), run again naming it"
        " (--param revision=VALUE), or on fewer hosts (--hosts)"
    )
    assert problem in verdict, stopped.stdout
    events = read_journal(journal).events
    assert not [e for e in events if e.kind == Kind.COMMAND_INTENT and e.where.step == "restore"]
    assert fold(events).outcome == Outcome.FAILED
    notes = [e.data.text for e in events if e.kind == Kind.NOTE_ADDED and e.where.step == "restore"]
    assert any("would restore different content on the hosts" in n for n in notes), notes

    # said exactly, it goes: web-2 on its own to the revision before the delivery
    named = tmp_path / "named"
    fixed = hotfixed.cli(
        "run", "--systems", "app", "--hosts", "web-2", "--strategy", "etc-restore",
        "--param", "revision=HEAD~2", "--trigger", "user-impact", "--reason", "workers 0",
        "--yes", "--journal", str(named),
    )  # fmt: skip
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert workers(hotfixed)["web-2"] == "worker_processes 4;"


def test_histories_apart_with_the_same_content_go_on(histories_apart, tmp_path):
    ids = heads(histories_apart)
    assert ids["web-2"] not in (ids["web-1"], ids["web-3"])  # web-2's history its own

    done = run(histories_apart, tmp_path / "run")

    assert done.returncode == 0, done.stdout + done.stderr
    assert " resolved revision=previous (etc-restore) as " in done.stdout, done.stdout
    assert "noted: Resolved" not in done.stdout, done.stdout  # said once
    assert set(workers(histories_apart).values()) == {"worker_processes 4;"}
    assert not any((repo(histories_apart, h) / "nginx/extra.conf").exists() for h in HOSTS)


async def test_the_console_says_it_before_the_question_and_sends_nothing(hotfixed, tmp_path):
    before = heads(hotfixed)
    good, bad = _previous_on(hotfixed)
    app = build_app(load_settings(hotfixed.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        said = await confirmation(app, pilot, "etc-restore", ())
        assert said == "", said  # no confirmation to say yes to
        [toast] = [n for n in app._notifications if n.title == "Not started"]
        assert (
            f"revision=previous would restore different content on the hosts ({good}; {bad}):"
            " name the one to restore (a commit or tag every host has), choose the strategy"
            " again naming revision, or run it on fewer hosts. b on the checklist chooses a"
            " strategy again"
        ) == toast.message, toast.message
        await pilot.pause(0.2)
        assert sent(app) == []
        # on record, as headless notes it: the toast goes
        events = read_journal(app.conductor.recorder.path).events
        notes = [e.data.text for e in events if e.kind == Kind.NOTE_ADDED]
        stopped = "“Restore the configuration” not started, nothing sent: "
        problem = toast.message.split(". b on the checklist")[0]
        assert [n for n in notes if n.startswith(stopped)] == [stopped + problem], notes
    assert heads(hotfixed) == before


async def test_the_console_confirms_histories_apart_and_the_run_restores(histories_apart, tmp_path):
    app = build_app(load_settings(histories_apart.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        said = await confirmation(app, pilot, "etc-restore", ())
        assert "Resolved: revision=previous on " in said, said
        await pilot.press("y")
        conductor = app.conductor
        await until(pilot, lambda: conductor.state.step("restore").status.finished, 60)
        assert conductor.state.step("restore").status.value == "done"
        assert conductor.state.params.get("revision", "previous") == "previous"
    assert set(workers(histories_apart).values()) == {"worker_processes 4;"}


def test_a_revision_named_that_a_host_lacks_sends_nothing(hotfixed, tmp_path):
    """Walked on a README fleet (helper 266): `run --param revision=good`, a tag made on
    some hosts only, restored those and failed the precheck of the other, the fleet left
    half restored. A revision named is now asked of every host first, as a release named
    is: where one lacks it, nothing is sent, the host named with the repository's tags."""
    for host in ("web-1", "web-3"):
        git(repo(hotfixed, host), "tag", "good", "HEAD^")
    before, journal = heads(hotfixed), tmp_path / "run"

    stopped = hotfixed.cli(
        "run", "--systems", "app", "--strategy", "etc-restore", "--param", "revision=good",
        "--trigger", "user-impact", "--reason", "nginx workers 0", "--yes",
        "--journal", str(journal),
    )  # fmt: skip

    assert stopped.returncode == 2, stopped.stdout + stopped.stderr  # no incident opened
    assert heads(hotfixed) == before and not journal.exists()
    assert not any((s / ".rollback").exists() for s in hotfixed.sandboxes.values())
    assert (
        "“Restore the configuration” not started, nothing sent: revision=good is refused on 1"
        f" of 3 host(s): web-2: no revision good in {repo(hotfixed, 'web-2').resolve()}: name a"
        " commit, tag or branch it has (revision); it is there on web-1, web-3"
    ) in stopped.stderr.strip().splitlines()[-1], stopped.stderr
