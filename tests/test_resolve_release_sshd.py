"""A version rollback's confirmation names the release `target = previous` stands for on
its hosts, asked of them first (the releases preset's resolve: nothing written there).
Walked at 80x24 on 3 sshd hosts: the dialog read 'With: target=previous'; the commander
confirmed no release. Hosts that would go to different releases (a delivery halted
midway: previous of the host still on the good release is the one before it) stop it
before any question, nothing sent; hosts rolled back already (a colleague's incident)
are named as nothing to do, and the others go on as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.payloads import StrategyResolved
from console.model.status import StepStatus
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.picker import PickerScreen
from tests.test_needed_nothing_sshd import (
    ALREADY,
    HOSTS,
    STRATEGIES,
    colleagues_incident,
    releases,
    releases_fleet,
)
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    open_incident,
    until,
)

pytestmark = pytest.mark.sshd


@pytest.fixture
def fleet(sshd_server, tmp_path: Path):
    return releases_fleet(sshd_server, tmp_path, STRATEGIES, HOSTS)


async def confirmation(
    app, pilot, strategy: str = "version-rollback", before: tuple[str, ...] = ("halt", "assess")
) -> str:
    """A new incident walked to its strategy step (the steps `before` it run), `strategy`
    chosen and started: the confirmation's words (empty if none came: a toast said why)."""
    await open_incident(pilot)
    conductor = app.conductor
    conductor.confirm("open-bridge")
    for step in before:
        assert await conductor.run_step(step)
    conductor.choose_strategy(strategy)
    app.start_run("restore")

    def asked() -> bool:
        return isinstance(app.screen, RunConfirm) or any(
            n.title == "Not started" for n in app._notifications
        )

    await until(pilot, asked, 60)
    if not isinstance(app.screen, RunConfirm):
        return ""
    return " ".join(str(app.screen.query_one("#run-commands .dialog-text").render()).split())


def sent(app) -> list[str]:
    events = read_journal(app.conductor.recorder.path).events
    return [
        e.where.host for e in events if e.kind == Kind.COMMAND_INTENT and e.where.step == "restore"
    ]


async def test_the_confirmation_names_the_release_and_the_run_goes_with_it(fleet, tmp_path):
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        said = await confirmation(app, pilot)
        resolved = "target=previous is 2.9.1 (app-1, app-2, app-3 +1 more: release 2.10.0 to 2.9.1)"
        assert f"Resolved: {resolved}" in said, said
        await pilot.press("y")
        conductor = app.conductor
        await until(pilot, lambda: conductor.state.step("restore").status.finished, 60)
        assert conductor.state.params.get("target") == "2.9.1"  # chosen again, journalled
    assert set(releases(fleet).values()) == {"2.9.1"}


async def test_hosts_that_would_go_to_different_releases_stop_it_before_the_question(
    fleet, tmp_path
):
    """app-4 never got the bad 2.10.0 (the delivery was halted before it): previous there
    is 2.8.0, a release back from the good one."""
    sandbox = fleet.sandboxes["app-4"]
    (sandbox / "releases" / "2.8.0").mkdir()
    (sandbox / "current").unlink()
    (sandbox / "current").symlink_to("releases/2.9.1")
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        assert await confirmation(app, pilot) == ""
        [toast] = [n for n in app._notifications if n.title == "Not started"]
        assert toast.message.startswith(
            "target=previous stands for different values on the hosts (2.9.1 on app-1, app-2,"
            " app-3; 2.8.0 on app-4): choose the strategy again naming target"
        ), toast.message
        # the way on, by its key: no key before the step had run did it
        assert toast.message.endswith(". b on the checklist chooses a strategy again")
        assert sent(app) == []
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, PickerScreen))
        picker = app.screen

        def target() -> Input | None:
            return next((i for i in picker.query(Input) if i.name == "target"), None)

        await until(pilot, lambda: target() is not None)
        target().value = "2.9.1"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        conductor = app.conductor
        assert conductor.state.params["target"] == "2.9.1"
        app.start_run("restore")  # named: asked of the hosts, which all have it
        await until(pilot, lambda: isinstance(app.screen, RunConfirm), 30)
        await pilot.press("y")
        await until(pilot, lambda: conductor.state.step("restore").status.finished, 60)
        assert conductor.state.step("restore").needed_nothing().keys() == {"app-4"}
    assert set(releases(fleet).values()) == {"2.9.1"}


async def test_hosts_rolled_back_already_are_named_and_the_others_go_on(fleet, tmp_path):
    first = colleagues_incident(fleet, tmp_path)
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        said = await confirmation(app, pilot)
        assert "Resolved: target=previous is 2.9.1 (app-3, app-4: release 2.10.0 to 2.9.1);" in said
        nothing = f"nothing to do, refused at their precheck: app-1, app-2: {ALREADY.format(first)}"
        assert nothing in said, said
        # the commands shown are those sent: previous (they showed 2.9.1, never sent)
        assert "$ target=previous" in said and "$ target=2.9.1" not in said, said
        await pilot.press("y")
        conductor = app.conductor
        await until(pilot, lambda: conductor.state.step("restore").status.finished, 60)
        # not pinned: 2.9.1 named on app-1 and app-2 would be a release to go to there
        assert conductor.state.params.get("target", "previous") == "previous"
        assert sorted(conductor.state.step("restore").needed_nothing()) == ["app-1", "app-2"]
    assert set(releases(fleet).values()) == {"2.9.1"}


async def test_a_host_that_cannot_resolve_it_does_not_hold_up_the_others(fleet, tmp_path):
    """app-4's `current` is no link (its precheck fails there, exit 3): it stopped the
    whole step before the question, the three others not rolled back. It is named, the
    run keeps previous, and app-4 fails at its precheck as it did before."""
    sandbox = fleet.sandboxes["app-4"]
    (sandbox / "current").unlink()
    (sandbox / "current").mkdir()
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        said = await confirmation(app, pilot)
        assert "Resolved: target=previous is 2.9.1 (app-1, app-2, app-3: release 2.10.0" in said
        assert (
            "not resolved, their precheck decides: app-4: current is not a symbolic link" in said
        ), said
        assert "$ target=previous" in said, said
        await pilot.press("y")
        conductor = app.conductor
        failed = StepStatus.FAILED
        await until(pilot, lambda: conductor.state.step("restore").status is failed, 60)
        assert conductor.state.params.get("target", "previous") == "previous"
        hosts = conductor.state.step("restore").hosts
        assert hosts["app-4"].status.value == "failed"
    for host in ("app-1", "app-2", "app-3"):
        assert (fleet.sandboxes[host] / "current").readlink().name == "2.9.1"


async def test_a_release_named_that_some_hosts_lack_stops_it_before_the_question(fleet, tmp_path):
    """h245's walk at 80x24: `target=2.9` typed, and the confirmation offered the rollback
    to it on every host without asking them (only `previous` was asked): after the yes,
    the hosts without it failed at their precheck. Asked first, those are named, with
    where it is there, and nothing is sent (headless: test_resolve_headless_sshd)."""
    for host in ("app-1", "app-2"):
        (fleet.sandboxes[host] / "releases" / "2.9.0").mkdir()
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        conductor = app.conductor
        conductor.confirm("open-bridge")
        for step in ("halt", "assess"):
            assert await conductor.run_step(step)
        conductor.choose_strategy("version-rollback", {"target": "2.9.0"})
        app.start_run("restore")
        await until(pilot, lambda: any(n.title == "Not started" for n in app._notifications), 60)
        assert not isinstance(app.screen, RunConfirm)
        [toast] = [n for n in app._notifications if n.title == "Not started"]
        assert toast.message.startswith(
            "target=2.9.0 is refused on 2 of 4 host(s): app-3: no release 2.9.0 in"
        ), toast.message
        assert "; it is there on app-1, app-2. b on the checklist chooses" in toast.message
        assert sent(app) == []
        # b, as the toast says: the picker shows the value refused, to fix, not the default
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, PickerScreen))
        await until(pilot, lambda: bool(app.screen.query(".param")))
        assert app.screen.strategy() == "version-rollback"
        assert app.screen.params.values()["target"] == "2.9.0"
    assert set(releases(fleet).values()) == {"2.10.0"}


async def test_a_release_named_that_every_host_has_is_said_and_on_record(fleet, tmp_path):
    """`target=2.9.1` chosen at 80x24: the hosts were asked of it before the confirmation,
    which said nothing of their answers, nor did the record (commands sent to every host
    that no record showed). Now the confirmation says them, as `run` does, and the yes
    puts them on record."""
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        conductor = app.conductor
        conductor.confirm("open-bridge")
        conductor.choose_strategy("version-rollback", {"target": "2.9.1"})
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm), 60)
        said = " ".join(str(app.screen.query_one("#run-commands .dialog-text").render()).split())
        # checked, not resolved: nothing symbolic stood for it
        checked = "target=2.9.1 is there on every host (app-1, app-2, app-3 +1 more: release"
        assert f"Checked: {checked} 2.10.0 to 2.9.1)" in said, said
        await pilot.press("y")
        await until(pilot, lambda: conductor.state.step("restore").status.finished, 60)
        events = read_journal(conductor.recorder.path).events
    [found] = [e.payload(StrategyResolved) for e in events if e.kind == Kind.STRATEGY_RESOLVED]
    assert found.given and [g["hosts"] for g in found.groups] == [list(HOSTS)], found
    assert found.asked_at, found  # when they were asked, as `run --param` records it
    assert set(releases(fleet).values()) == {"2.9.1"}
