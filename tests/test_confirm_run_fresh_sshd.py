"""The console's run confirmation on a real sshd fleet at 80x24, as a tester met it: a
version rollback to a release named outright, with `restart` edited for this run.

Seen: the first screen showed `Resolved`, the waves, the failure threshold and the
description; `With (5)` fell on its last row, the edited restart and every command below
it. Now the hosts, the release checked (`Checked:`, not `Resolved:`: nothing symbolic
stood for it), the parameters and the start of the commands come first, and a line under
them says how much is below and what.

And the answers the hosts gave are recorded with when they were asked (`asked_at`), as
headless `run` records them: the console's step then goes with them while no command sent
since could change them (a retry of the hosts a stop between waves left not started asks
nothing, saying when they answered), and asks again, saying why, once one was (here an
ad-hoc command on one of them). So does a resumed incident that `run --param` opened and
left open (a terminal closed during the delivery's halt): `run`'s answers, recorded as it
opened. Headless alone: tests/test_named_asked_once_sshd.py."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import tomli_w
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.payloads import StrategyResolved
from console.model.status import StepStatus
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.dialogs import ConfirmDialog
from tests.cli_fleet import Fleet, chown_tree, write_fleet
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    open_incident,
    until,
)

pytestmark = pytest.mark.sshd

HOSTS = ("app-1", "app-2", "app-3")
STRATEGIES = {
    "strategies": [
        {
            "name": "version-rollback",
            "kind": "version-rollback",  # the releases preset: target, current, restart...
            "description": "Point `current` at the previous release and restart the service",
            "max_fail_percentage": 25,
            "params": [
                {"name": "restart", "default": "true"},
                {"name": "check", "default": "true"},
                {"name": "check_wait", "default": "1"},
            ],
            "waves": {"sizes": [1, "100%"], "confirm": True},  # a canary, then the rest
        }
    ]
}
PROCEDURE = {
    "name": "Rollback",
    "phases": [
        {
            "phase": "immediate",
            "steps": [{"id": "bridge", "title": "Open the bridge", "kind": "manual"}],
        },
        {
            "phase": "execution",
            "steps": [{"id": "restore", "title": "Restore previous version", "kind": "strategy"}],
        },
        {
            "phase": "post",
            "steps": [{"id": "doc", "title": "Document", "kind": "form", "fields": ["reason"]}],
        },
    ],
}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    """Three hosts on 2.10.0 with 2.9.1 beside it, each in a work directory of its own."""
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["version-rollback"], probes=[], hosts=HOSTS
    )
    for sandbox in fleet.sandboxes.values():
        for version in ("2.9.1", "2.10.0"):
            (sandbox / "releases" / version).mkdir(parents=True)
        (sandbox / "current").symlink_to("releases/2.10.0")
        chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)
    return fleet


def shown(screen: RunConfirm) -> tuple[list[str], int, str]:
    """The confirmation's lines as wrapped, how many of them are on screen, and the line
    under them."""
    text = screen.query_one("#run-commands .dialog-text", Static)
    content = text.render()
    assert isinstance(content, Content)
    lines = [line.plain for line in content.wrap(text.content_region.width)]
    area = screen.query_one("#run-commands", VerticalScroll)
    below = str(screen.query_one("#run-below", Static).render())
    return lines, area.scrollable_content_region.height, below


def sessions(sshd_server) -> int:
    return sshd_server.server.log().count("Starting session")


async def test_the_first_screen_says_what_is_sent_and_a_fresh_answer_is_not_asked_again(
    fleet, sshd_server, tmp_path
):
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        conductor = app.conductor
        conductor.confirm("bridge")
        conductor.choose_strategy("version-rollback", {"target": "2.9.1", "restart": "sleep 0"})
        before = sessions(sshd_server)
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm), 60)
        screen = app.screen
        await until(pilot, lambda: screen._width > 0 and "below" in shown(screen)[2])
        assert sessions(sshd_server) - before == len(HOSTS)  # each host asked, once
        lines, height, below = shown(screen)
        first = lines[:height]  # what the commander sees before any key
        said = " ".join(" ".join(first).split())
        assert said.startswith(
            "Systems: app Hosts: app-1, app-2, app-3 Strategy: version-rollback Checked:"
            " target=2.9.1 is there on every host (app-1, app-2, app-3: release 2.10.0 to"
            " 2.9.1) With (5): target=2.9.1, restart=sleep 0; defaults: current=current,"
            " check=true, check_wait=1 It sends, rendered for app-1 (only app-1 gets"
            " exactly this; p on the checklist shows the other 2): precheck, 60 lines; the 9"
            " with a value: $ cd -- "
        ), first
        assert not [ln for ln in first if ln.split(":")[0] in ("Waves", "Failures", "Does")]
        assert below.startswith("▼ ") and below.endswith(
            " lines below (↓ pgdn end): action, verify, Waves, Failures, Does, every line"
        ), below
        await pilot.press("y")

        # the canary, then the question between waves: stopped, the rest not started
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 60)
        await pilot.press("escape")
        restore = conductor.state.step("restore")
        await until(pilot, lambda: restore.status is StepStatus.STOPPED, 60)
        [answer] = recorded(conductor)
        assert answer.given and answer.asked_at, answer  # on record with when, as `run`'s

        # t retries the two not started: their answers are fresh, not asked again
        before = sessions(sshd_server)
        await pilot.press("f3")
        await until(pilot, lambda: app.screen is app.get_screen("execution"))
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm), 30)
        said = " ".join(" ".join(shown(app.screen)[0]).split())
        assert sessions(sshd_server) == before, said  # on main: asked again, 2 sessions
        assert (
            "Checked: target=2.9.1 is there on every host (app-2, app-3: release 2.10.0 to"
            f" 2.9.1), as they answered at {answer.asked_at[11:19]} UTC: no strategy step or"
            " command outside the checklist sent them anything since"
        ) in said, said
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, RunConfirm))

        # an ad-hoc command on app-2 since: asked again, saying why, and on record
        assert await conductor.run_adhoc("true", ["app-2"])
        before = sessions(sshd_server)
        await pilot.press("f3")
        await until(pilot, lambda: app.screen is app.get_screen("execution"))
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm), 60)
        said = " ".join(" ".join(shown(app.screen)[0]).split())
        assert sessions(sshd_server) - before == 2, said
        assert (
            "(app-2, app-3: release 2.10.0 to 2.9.1); asked again: “Ad-hoc: true” sent"
            " commands to app-2 since they answered"
        ) in said, said
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 60)  # its canary
        await pilot.press("y")
        await until(pilot, lambda: restore.status is StepStatus.DONE, 60)
        first_, again = recorded(conductor)
    assert first_ == answer and again.asked_at and again.asked_at > answer.asked_at, again
    assert {(s / "current").readlink().name for s in fleet.sandboxes.values()} == {"2.9.1"}


def recorded(conductor) -> list[StrategyResolved]:
    events = read_journal(conductor.recorder.path).events
    return [e.payload(StrategyResolved) for e in events if e.kind == Kind.STRATEGY_RESOLVED]


# The delivery's halt: a command step (it does not make the answers stale), held until
# the test says go, so that the terminal closes while it runs (bounded: 60 s).
HALT = {
    "id": "halt",
    "title": "Halt delivery",
    "kind": "command",
    "command": "touch lock; for i in $(seq 600); do [ -e go ] && break; sleep 0.1; done",
}


async def test_a_run_left_open_is_resumed_in_the_console_with_runs_answers(
    fleet, sshd_server, tmp_path
):
    execution = PROCEDURE["phases"][1]
    procedure = {**PROCEDURE, "phases": [PROCEDURE["phases"][0], {**execution, "steps": [HALT, *execution["steps"]]}, PROCEDURE["phases"][2]]}  # fmt: skip
    (fleet.config / "procedure.toml").write_text(tomli_w.dumps(procedure))
    journal = tmp_path / "run"
    run = fleet.started(
        "run", "--systems", "app", "--strategy", "version-rollback", "--param",
        "target=2.9.1", "--trigger", "user-impact", "--reason", "checkout errors", "--yes",
        "--journal", str(journal),
    )  # fmt: skip
    assert run.stdout is not None
    for _, line in zip(range(200), run.stdout, strict=False):  # bounded
        if "sending run" in line:  # the halt sent: it runs until told to go
            break
    else:
        raise AssertionError("the halt was never sent")
    run.send_signal(signal.SIGHUP)  # the terminal closed: what was sent runs to its end
    for line in run.stdout:  # bounded: the halt ends once told to
        if "ended by SIGHUP" in line:
            for sandbox in fleet.sandboxes.values():
                (sandbox / "go").touch()
    assert run.wait(60) == 129
    [answer] = [
        e.payload(StrategyResolved)
        for e in read_journal(journal / "journal.jsonl").events
        if e.kind == Kind.STRATEGY_RESOLVED
    ]
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        app.resuming.resume(journal / "journal.jsonl")
        await until(pilot, lambda: app.conductor is not None)
        before = sessions(sshd_server)
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm), 30)
        said = " ".join(" ".join(shown(app.screen)[0]).split())
    assert sessions(sshd_server) == before, said  # run's answers: not asked again
    assert (
        "Checked: target=2.9.1 is there on every host (app-1, app-2, app-3: release 2.10.0 to"
        f" 2.9.1), as they answered at {answer.asked_at[11:19]} UTC: no strategy step or"
        " command outside the checklist sent them anything since"
    ) in said, said
