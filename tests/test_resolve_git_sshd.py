"""A config restore's confirmation names what `revision = previous` stands for on each
host, asked of them first (the git preset's resolve: nothing written there). Walked at
80x24 on 2 sshd hosts, etckeeper-style repositories of their own: the dialog read 'With:
revision=previous', the commander confirmed no revision. Each repository has its own
commit ids: the confirmation names each host's, differing ids stop nothing, and the run
keeps `previous` (each host's precheck resolves it again); but where `previous` holds
other content on some host (a hotfix committed after the delivery), nothing is sent. A repository with
uncommitted changes is named before the question (its precheck will fail there); a host
a colleague's incident restored already is named as nothing to do; the others go on."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.model.loading import load_settings
from tests.cli_fleet import Fleet, write_fleet
from tests.fleet_settings import chown_tree
from tests.test_canary_headless import STRATEGIES as CANARY
from tests.test_presets_sshd import etc_repository, git
from tests.test_resolve_release_sshd import confirmation, sent
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
)

pytestmark = pytest.mark.sshd

[CANARY_RESTORE] = CANARY["strategies"]

HOSTS = ("edge-1", "edge-2")
# the canary test's etc-restore (repo etc, paths nginx), all hosts at once
STRATEGIES = {"strategies": [{k: v for k, v in CANARY_RESTORE.items() if k != "waves"}]}
PROCEDURE = {
    "name": "Configuration rollback",
    "phases": [
        {
            "phase": "immediate",
            "steps": [{"id": "open-bridge", "title": "Open the bridge", "kind": "manual"}],
        },
        {
            "phase": "execution",
            "steps": [{"id": "restore", "title": "Restore the configuration", "kind": "strategy"}],
        },
        {
            "phase": "post",
            "steps": [{"id": "doc", "title": "Document", "kind": "form", "fields": ["reason"]}],
        },
    ],
}
HEALTH = {"name": "health", "kind": "command", "command": "echo ok", "interval": 0.5}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    """Two hosts, each its own repository: good, bad delivery; edge-1 then tuned nginx."""
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["etc-restore"], probes=[HEALTH], hosts=HOSTS
    )
    for sandbox in fleet.sandboxes.values():
        etc_repository(sandbox)
    tuned = fleet.sandboxes["edge-1"] / "etc"
    (tuned / "nginx/nginx.conf").write_text("worker_processes 8;\n")
    git(tuned, "commit", "-q", "-a", "-m", "nginx: tune workers")
    for sandbox in fleet.sandboxes.values():
        chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)
    return fleet


def repo(fleet: Fleet, host: str) -> Path:
    return fleet.sandboxes[host] / "etc"


def commit(fleet: Fleet, host: str, rev: str) -> str:
    """`4840370 nginx: tune workers`: as the resolve names a commit."""
    return git(repo(fleet, host), "log", "-n", "1", "--format=%h %s", rev)


def workers(fleet: Fleet) -> dict[str, str]:
    return {h: (repo(fleet, h) / "nginx/nginx.conf").read_text() for h in HOSTS}


async def test_hosts_whose_previous_holds_other_content_stop_before_the_question(fleet, tmp_path):
    """edge-1 tuned nginx after the bad delivery: its `previous` is the delivery itself,
    edge-2's the good revision. On main the confirmation named both and the run restored
    the delivery's workers 0 over edge-1's tuning; now nothing is asked or sent, and the
    toast names each host's `previous` (tests/test_resolve_git_content_sshd.py: three
    hosts, headless, and histories apart with the same content going on)."""
    edge_1 = f"nginx {commit(fleet, 'edge-1', 'HEAD')} → {commit(fleet, 'edge-1', 'HEAD^')}"
    edge_2 = f"nginx {commit(fleet, 'edge-2', 'HEAD')} → {commit(fleet, 'edge-2', 'HEAD^')}"
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        assert await confirmation(app, pilot, "etc-restore", ()) == ""
        [toast] = [n for n in app._notifications if n.title == "Not started"]
        resolved = (
            "revision=previous would restore different content on the hosts (edge-1:"
            f" {edge_1} (1 file changed); edge-2: {edge_2} (2 files changed))"
        )
        assert toast.message.startswith(resolved), toast.message
        # asked, nothing written: no .rollback/ on the hosts, nothing sent
        assert not any((s / ".rollback").exists() for s in fleet.sandboxes.values())
        await pilot.pause(0.2)
        assert sent(app) == []
    assert workers(fleet) == {"edge-1": "worker_processes 8;\n", "edge-2": "worker_processes 0;\n"}


async def test_uncommitted_changes_are_named_before_the_question(fleet, tmp_path):
    """A hand edit not committed on edge-2: the confirmation says so before the yes (its
    precheck would fail there, nothing changed; edge-1 would be restored); a no sends
    nothing."""
    (repo(fleet, "edge-2") / "nginx/nginx.conf").write_text("worker_processes 2;  # by hand\n")
    heads = {h: git(repo(fleet, h), "rev-parse", "HEAD") for h in HOSTS}
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        said = await confirmation(app, pilot, "etc-restore", ())
        assert (
            "not resolved, their precheck decides: edge-2: uncommitted changes in nginx"
            " (above): commit them first (etckeeper commit), then retry"
        ) in said, said
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert sent(app) == []
    assert {h: git(repo(fleet, h), "rev-parse", "HEAD") for h in HOSTS} == heads
    assert workers(fleet)["edge-2"] == "worker_processes 2;  # by hand\n"


async def test_a_host_restored_already_to_other_content_is_named_and_nothing_is_sent(
    fleet, tmp_path
):
    """edge-1's first restore took it to the revision before its tuning: the bad delivery
    (workers 0). It has nothing to do with `previous`, and edge-2 would be restored to the
    good one (workers 4): that left them apart, the step done; it stops before the question
    (tests/test_resolve_git_moved_sshd has those holding the same content go on)."""
    first = fleet.cli(
        "run", "--systems", "app", "--hosts", "edge-1", "--strategy", "etc-restore",
        "--trigger", "user-impact", "--reason", "502s", "--yes",
        "--journal", str(tmp_path / "first"),
    )  # fmt: skip
    assert first.returncode == 0, first.stdout + first.stderr
    restored = commit(fleet, "edge-1", "HEAD^^")  # the one before the tuning: bad delivery
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        said = await confirmation(app, pilot, "etc-restore", ())
        assert said == "", said  # no confirmation to say yes to
        [toast] = [n for n in app._notifications if n.title == "Not started"]
        assert "revision=previous would restore different content on the hosts (" in toast.message
        nothing = f"edge-1: nothing to do: nginx already restored to {restored} (incident"
        assert nothing in toast.message, toast.message
        await pilot.pause(0.2)
        assert sent(app) == []
    assert workers(fleet) == {"edge-1": "worker_processes 0;\n", "edge-2": "worker_processes 0;\n"}
