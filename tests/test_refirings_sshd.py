"""Automatic triggers firing while an incident is driven, in the console at 80x24 on a real
OpenSSH fleet: the error-rate trigger taken up (p) and declared, then firing again twice
while the rollback runs (one merged as evidence, one left undecided) and the latency
trigger firing too (dismissed with a reason typed after moving to "Dismiss"). The rollback
document says of each firing what became of it, and the journal keeps the reason whole.
An `auto` trigger never starts a second incident on a system an incident was left open on.
Probes are `cat` of a file in each host's work directory, as a user writes them."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli_w

from console.journal.export import reading
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.outcome import Outcome
from console.ui.app import make_app
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.dialogs import ConfirmDialog
from console.ui.screens.home import HomeScreen
from console.ui.screens.picker import PickerScreen
from console.ui.screens.proposal import ProposalDialog
from console.ui.screens.trigger import TriggerScreen
from tests.cli_fleet import Fleet, write_fleet
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    build_engine,
    declare_and_pick,
    press_to_end,
    type_text,
    until,
    until_shown,
)

pytestmark = pytest.mark.sshd

HOSTS = ("app-1", "app-2")
PROCEDURE = {
    "name": "Rollback",
    "phases": [
        {"phase": "immediate", "steps": [{"id": "bridge", "title": "Bridge", "kind": "manual"}]},
        {"phase": "execution", "steps": [{"id": "go", "title": "Initiate", "kind": "manual"}]},
        {
            "phase": "post",
            "steps": [{"id": "doc", "title": "Document", "kind": "form", "fields": ["reason"]}],
        },
    ],
}
STRATEGIES = {
    "strategies": [{"name": "noop", "kind": "custom", "commands": {"action": "true"}}],
}
PROBES = [
    {"name": "error-rate", "kind": "command", "command": "cat error_rate", "threshold": 0.05},
    {"name": "latency", "kind": "command", "command": "cat latency", "threshold": 500},
]
TRIGGERS = {
    "triggers": [
        {
            "name": "app-errors",
            "kind": "error-threshold",
            "system": "app",
            "probe": "error-rate",
            "consecutive": 2,
            "policy": "propose",
        },
        {
            "name": "app-latency",
            "kind": "performance-degradation",
            "system": "app",
            "probe": "latency",
            "consecutive": 2,
            "policy": "propose",
        },
    ]
}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    return probed_fleet(sshd_server, tmp_path, PROCEDURE, interval=0.2)


def probed_fleet(sshd_server, tmp_path: Path, procedure: dict, interval: float) -> Fleet:
    """The hosts, their probes read every `interval` seconds, all healthy."""
    files = {"procedure.toml": procedure, "strategies.toml": STRATEGIES, "triggers.toml": TRIGGERS}
    probes = [{**p, "interval": interval} for p in PROBES]
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["noop"], probes=probes, hosts=HOSTS
    )
    set_values(fleet, error_rate="0.01", latency="100")
    return fleet


def set_values(fleet: Fleet, hosts: tuple[str, ...] = HOSTS, **values: str) -> None:
    """What each host's probe files hold."""
    for host in hosts:
        for name, value in values.items():
            path = fleet.sandboxes[host] / name
            path.write_text(value + "\n")
            path.chmod(0o644)


def armed(app, probe: str) -> bool:
    """The probe's trigger may fire again: a healthy sample came since it last fired."""
    return not any(s.fired for s in app.live.watcher.readings[f"app/{probe}"].streaks)


def waiting(app) -> list[str]:
    return [p.name for p in app.live.proposals]


def console(settings, root: Path):
    """A console started anew (sampling its probes) on the incidents under `root`."""
    engine = build_engine(settings, root)
    return make_app(settings, engine, incident_id="20260314-094500-next", check_reach=False)


async def fired_at_home(pilot, fleet: Fleet) -> None:
    """On the home screen, the error rate bad on every host: its firing proposed."""
    await until(pilot, lambda: isinstance(pilot.app.screen, HomeScreen))
    set_values(fleet, error_rate="0.3")
    await until(pilot, lambda: waiting(pilot.app) == ["app-errors"])


async def take_it_up(pilot) -> None:
    """p on the proposal, its trigger declared as proposed, every host picked: on to the
    checklist."""
    app = pilot.app
    await pilot.press("p")
    await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
    await pilot.press("ctrl+s")
    await until(pilot, lambda: isinstance(app.screen, PickerScreen))
    await until(pilot, lambda: set(app.screen.host_tree.selected) == set(HOSTS))
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))


async def test_each_firing_during_the_rollback_has_its_own_fate(fleet, tmp_path):
    app = build_app(load_settings(fleet.config), tmp_path / "incidents", sample_probes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        set_values(fleet, error_rate="0.3")
        await until(pilot, lambda: waiting(app) == ["app-errors"])
        await take_it_up(pilot)
        conductor = app.conductor
        assert conductor.state.trigger.automatic and app.live.proposals == []

        # The rollback runs; the canary is well, the next wave's host still bad: the
        # trigger fires again, and so does latency there.
        set_values(fleet, error_rate="0.01")
        await until(pilot, lambda: armed(app, "error-rate"))
        set_values(fleet, ("app-2",), error_rate="0.3", latency="900")
        await until(pilot, lambda: sorted(waiting(app)) == ["app-errors", "app-latency"])
        await pilot.press("ctrl+t")  # the error threshold first: merged as evidence
        await until(pilot, lambda: isinstance(app.screen, ProposalDialog))
        assert app.screen.proposal.name == "app-errors"
        await pilot.press("enter")
        await until(pilot, lambda: waiting(app) == ["app-latency"])
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(app.screen, ProposalDialog))
        await pilot.press("down")  # to "Dismiss", then its reason, as a person types it
        await type_text(pilot, "known load test on app-2")
        await pilot.press("enter")
        await until(pilot, lambda: waiting(app) == [])

        # It fires a third time; nobody decides on it before the close.
        set_values(fleet, error_rate="0.01", latency="100")
        await until(pilot, lambda: armed(app, "error-rate"))
        set_values(fleet, ("app-2",), error_rate="0.3")
        await until(pilot, lambda: waiting(app) == ["app-errors"])
        conductor.close(Outcome.ABORTED, "the walk ends here")
        journal = conductor.recorder.path
        await pilot.press("ctrl+t")  # after the close: no longer "being driven"
        await until(pilot, lambda: isinstance(app.screen, ProposalDialog))
        said = " ".join(str(app.screen.query_one(".dialog-text").render()).split())
        incident = conductor.state.incident_id
        assert (
            f"It fired while incident {incident} was being driven; nobody drives it here now."
            in said
        ), said
        assert "is being driven" not in said
        await pilot.press("escape")

    events = read_journal(journal).events
    [dismissed] = [e for e in events if e.kind == Kind.TRIGGER_DISMISSED]
    assert dismissed.data.reason == "known load test on app-2"  # its first word was lost
    done = fleet.cli("export", str(journal))
    assert done.returncode == 0, done.stderr
    section = done.stdout.split("- **Automatic triggers that fired:**\n")[1].split("\n\n")[0]
    fates = [
        (line.split(" UTC ")[1].split(" (")[0], line.rsplit("): ", 1)[1])
        for line in section.splitlines()
    ]
    me = reading.login(dismissed)  # who decided, as the document names them
    declared = ("Critical error threshold exceeded", "declared")
    left = (
        "Critical error threshold exceeded",
        "fired again after the declaration: neither merged as evidence nor dismissed",
    )
    assert fates[0] == declared and fates[-1] == left, section
    assert sorted(fates[1:3]) == [  # these two fired in the same round, in either order
        ("Critical error threshold exceeded", f"merged as evidence by {me}"),
        ("Performance degradation beyond limits", f"dismissed by {me}: known load test on app-2"),
    ], section


async def test_auto_never_starts_beside_an_incident_left_open_on_its_system(fleet, tmp_path):
    """Walked: an incident on the system declared, the console quit (it stays open, its
    locks let go), the console started again; the trigger's countdown, with nobody at the
    keyboard, opened a second incident on that system. It waits for a person instead."""
    auto = {**TRIGGERS["triggers"][0], "policy": "auto", "countdown_seconds": 0.5}
    (fleet.config / "triggers.toml").write_text(tomli_w.dumps({"triggers": [auto]}))
    settings = load_settings(fleet.config)
    root = tmp_path / "incidents"
    first = build_app(settings, root)
    async with first.run_test(size=(80, 24)) as pilot:
        await declare_and_pick(pilot, "checkout errors")
        await pilot.press("space", "enter")
        await until(pilot, lambda: isinstance(first.screen, ChecklistScreen))
        left = first.conductor.state.incident_id
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(first.screen, ConfirmDialog))
        await press_to_end(pilot, "y")
    await first.engine.close()  # as the process ends: its journal's writer lock goes

    again = console(settings, root)
    async with again.run_test(size=(80, 24)) as pilot:
        await fired_at_home(pilot, fleet)
        assert again.live.countdown is None and again.conductor is None
        why = again.live.proposal.why
        assert why.startswith(f"incident {left} is open on app, nobody driving it here"), why
        assert [i.incident_id for i in again.engine.incidents()] == [left]
        said = f"Incident {left} is open on app: r resumes it, then ^t merges this firing as"
        await until_shown(pilot, "#alert", said)

        await pilot.press("r")  # as the banner says: resume it, then merge the firing
        await until(pilot, lambda: again.live.driving() is not None)
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(again.screen, ProposalDialog))
        said = " ".join(str(again.screen.query_one(".dialog-text").render()).split())
        # Resumed, not "nobody driving it here (r on the home screen resumes it ...)".
        assert (
            f"It fired while incident {left} was open with nobody driving it; you drive it now:"
            " merge the firing into it as evidence, or dismiss it." in said
        ), said
        await pilot.press("enter")
        await until(pilot, lambda: waiting(again) == [])
        journal = again.conductor.recorder.path
    assert again.conductor.state.incident_id == left
    [merged] = [e for e in read_journal(journal).events if e.kind == Kind.TRIGGER_MERGED]
    assert merged.data.trigger == "app-errors"


async def test_a_firing_names_the_incident_declared_on_its_system_since(fleet, tmp_path):
    """Walked: the error rate fired on app, proposed on the home screen; a headless run
    declared its own incident on app and rolled it back; the home screen still proposed
    the firing, nothing naming that incident: accepting it began a second rollback."""
    from console.journal.files import JOURNAL_NAME
    from console.journal.recorder import Recorder
    from console.journal.writer import JournalWriter
    from console.model.clock import SystemClock
    from tests.events_factory import COMMANDER

    settings = load_settings(fleet.config)
    root = tmp_path / "incidents"
    app = console(settings, root)
    async with app.run_test(size=(80, 24)) as pilot:
        await fired_at_home(pilot, fleet)
        other = Recorder(
            JournalWriter(root / "20260314-094600-run1" / JOURNAL_NAME), SystemClock(), COMMANDER
        )
        other.record(Kind.INCIDENT_OPENED, incident_id="20260314-094600-run1", title="auto")
        other.record(Kind.SYSTEMS_SELECTED, systems=["app"], hosts={h: "app" for h in HOSTS})
        other.record(Kind.INCIDENT_CLOSED, outcome="rolled-back", label="rolled back", reason="ok")
        other.close()
        at = f"{other.state.opened_at:%H:%M:%S}"
        said = (
            f"▲ Incident 20260314-094600-run1 was declared on app at {at} UTC, after this fired"
            " (closed: rolled back): it may be handled there."
        )
        await until_shown(pilot, "#alert", said)
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(app.screen, ProposalDialog))
        await until_shown(pilot, "#proposal-text", said)


async def test_a_firing_while_declaring_is_said_so_once_the_incident_is_driven(fleet, tmp_path):
    """Walked at 80x24: the error rate fired while the trigger screen was open; the
    incident declared, ^t read "It waits for you: a person is declaring an incident.",
    of an incident driven by then. It says what fits now: merge it, or dismiss it."""
    app = console(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
        set_values(fleet, error_rate="0.3")
        await until(pilot, lambda: waiting(app) == ["app-errors"])
        await pilot.press("down", "enter")
        await type_text(pilot, "support: checkout fails")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PickerScreen))
        await pilot.press("space")  # the system, every host of it
        await until(pilot, lambda: set(app.screen.host_tree.selected) == set(HOSTS))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        incident = app.conductor.state.incident_id
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(app.screen, ProposalDialog))
        said = " ".join(str(app.screen.query_one(".dialog-text").render()).split())
    assert "It waits for you" not in said, said
    assert (
        f"It fired while an incident was being declared; you drive {incident} now: merge the"
        " firing into it as evidence, or dismiss it."
    ) in said, said
