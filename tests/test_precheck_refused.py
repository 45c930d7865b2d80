"""A host whose precheck refuses for good (exit 120: nothing to do there) is refused, not
failed: on real sshd, the git config-restore preset run by a second incident, after a
first one restored the paths. Headless, `run` exits 3 and says REFUSED; the journal's
result says why and that nothing more was sent; the document lists the host as refused
at the precheck with its reason. In the console at 80x24, `previous` asked of the host
before the question says there is nothing to do, nothing sent (so does a revision named
that the paths hold already); a revision named, put back by hand between the question and
the yes, is refused at the precheck: the row reads ⊘ refused, the banner gives the refusal
line and the way on, no retry is offered (a retry would be refused again), and the
checklist says so of the step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Static

from console.journal.export.json_export import render_json
from console.journal.export.markdown import render_markdown
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.state import HostStatus, StepStatus
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.execution import ExecutionScreen
from console.ui.widgets.host_grid import HostGrid
from console.ui.widgets.one_line import OneLine
from tests.fleet_settings import chown_tree
from tests.pgrig import Outcome, run_console
from tests.test_presets_sshd import configure, etc_repository, git
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    footer_keys,
    open_incident,
    until,
)

pytestmark = pytest.mark.sshd

ENDED = StepStatus.REFUSED
REFUSAL = "nginx already restored to"  # ... (incident <first>): ... name the revision to restore


def restored_once(sshd_server, tmp_path: Path) -> tuple[Path, Path, Outcome]:
    """An etckeeper-style repository on the host, and a first incident that restored its
    nginx paths: (the configuration, the repository, that incident's outcome)."""
    root = sshd_server.sandbox("host")
    repo = etc_repository(root)
    config = configure(
        sshd_server,
        tmp_path,
        root,
        '[[strategies]]\nname = "etc-restore"\nkind = "config-restore"\npreset = "git"\n'
        f'params = [{{ name = "repo", default = "{repo}" }},'
        ' { name = "paths", default = "nginx" }]\n',
    )
    first = run_console(config, tmp_path / "first", "etc-restore", system="web")
    assert first.returncode == 0, first.stdout + first.stderr
    assert git(repo, "rev-list", "--count", "HEAD") == "3"  # the first restore's commit
    return config, repo, first


def test_a_second_incident_is_refused_at_the_precheck_not_failed(sshd_server, tmp_path):
    config, repo, first = restored_once(sshd_server, tmp_path)

    again = run_console(config, tmp_path / "second", "etc-restore", system="web")

    assert again.returncode == 3, again.stdout + again.stderr  # refused, not failed (1)
    verdict = again.stdout.strip().splitlines()[-1]
    assert f"{again.incident}: REFUSED: " in verdict and REFUSAL in verdict
    assert f"(incident {first.incident})" in verdict
    assert git(repo, "rev-list", "--count", "HEAD") == "3"  # nothing changed
    results = [e for e in again.events if e.kind == Kind.COMMAND_RESULT]
    assert [r.data.stage for r in results] == ["precheck"]  # nothing more was sent
    assert results[0].data.refused.startswith(REFUSAL) and results[0].data.exit_status == 120
    closed = next(e for e in again.events if e.kind == Kind.INCIDENT_CLOSED)
    assert closed.data.outcome == "refused"

    document = render_markdown(again.events)
    assert "ran on 1 host (1 refused at the precheck)" in document
    assert f"| db-1 | ⊘ refused at the precheck: nothing changed | {REFUSAL}" in document
    assert "refused at the precheck on 1 host, nothing changed there (db-1: nginx" in document
    assert "No host failed and none was left unknown." in document
    host = json.loads(render_json(again.events))["document"]["systems"][0]["hosts"][0]
    assert host["status"] == "refused" and host["detail"].startswith(REFUSAL)


async def test_the_console_reads_refused_and_offers_no_retry(sshd_server, tmp_path):
    config, repo, _first = restored_once(sshd_server, tmp_path)
    app = build_app(load_settings(config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.conductor.confirm("open-bridge")
        app.conductor.choose_strategy("etc-restore")
        app.start_run("restore")  # previous: asked of the host first, nothing to do there
        await until(pilot, lambda: any(n.title == "Not started" for n in app._notifications))
        [toast] = [n for n in app._notifications if n.title == "Not started"]
        assert toast.message.startswith(
            f"revision=previous: nothing to do on any host (db-1: {REFUSAL}"
        ), toast.message
        assert toast.message.endswith(
            "choose the strategy again naming revision. b on the checklist chooses a strategy again"
        ), toast.message
        assert not isinstance(app.screen, RunConfirm)
        # named, the revision the first incident restored: nothing to do, said as before
        good = git(repo, "rev-parse", "HEAD~2")
        app.conductor.choose_strategy("etc-restore", {"revision": good})
        app.start_run("restore")
        said = f"revision={good}: nothing to do on any host (db-1: nginx already match"
        await until(pilot, lambda: any(n.message.startswith(said) for n in app._notifications))
        assert not isinstance(app.screen, RunConfirm)
        # named: asked of the host first, something to do there; then, before the yes, a
        # colleague puts nginx back to it by hand: its precheck refuses it, nothing to do
        restored = git(repo, "rev-parse", "HEAD~1")
        app.conductor.choose_strategy("etc-restore", {"revision": restored})
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        git(repo, "checkout", restored, "--", "nginx")
        git(repo, "commit", "-q", "-m", "nginx back by hand")
        chown_tree(repo, sshd_server.account.uid, sshd_server.account.gid)
        await pilot.press("y")
        await until(pilot, lambda: app.conductor.state.step("restore").status is ENDED)
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        screen = app.screen
        await pilot.pause(0.2)  # the screen's sync after the step's end

        st = app.conductor.state.step("restore")
        assert st.status is StepStatus.REFUSED
        assert st.hosts["db-1"].status is HostStatus.REFUSED
        assert app.conductor.failed_hosts("restore") == []
        grid = screen.query_one("#grid", HostGrid)
        assert str(grid.get_cell("db-1", "Status")).strip() == "⊘ refused"
        assert str(screen.query_one("#exec-title", OneLine).render()).startswith("⊘ refused ")
        counts = str(screen.query_one("#exec-counts", Static).render())
        assert "1 refused (nothing changed)" in counts and "s skips it (on F2)" in counts
        assert "retries" not in counts
        banner = " ".join(str(screen.query_one("#exec-halt", Static).render()).split())
        assert banner.startswith("⊘ REFUSED 1 host at the precheck, nothing changed")
        already = f"db-1: nginx already match {restored[:7]} bad delivery: nothing to restore"
        assert already in banner, banner
        assert "1 host at the precheck, nothing changed: a retry refuses it again" in banner
        assert not any(k.startswith("t ") for k in await footer_keys(pilot))
        await pilot.press("t")  # not offered: nothing is sent
        await pilot.pause(0.2)
        assert app.conductor.state.step("restore").status is StepStatus.REFUSED
        assert git(repo, "rev-list", "--count", "HEAD") == "4"  # the hand's commit alone

        await pilot.press("f2")  # the checklist says the same of its current step
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        await pilot.pause(0.2)
        todo = str(app.screen.query_one("#where-todo", Static).render())
        assert "Refused at the precheck: a run would be refused again; s skips it" in todo
