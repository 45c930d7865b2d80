"""A resumed incident learns who held its systems after it let go of them open, on a real
sshd fleet. Walked in the console at 80x24: an incident whose restore was done, its
console's terminal closed (SIGHUP, nothing running): the locks were released, the
incident left open. Eight other incidents then ran on the same system (a run, drills, an
undo that put the old release back), and the resumed incident said nothing of them: its
checklist read the restore done, on hosts since put back. Now a lock let go with its
incident open is noted beside it (`.left`), each later holder is noted for it, and the
incident taking its locks again journals each (`lock.lost` with `released`) and says it
in one line: the console as it resumes, exec --journal on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.engine.session import Engine
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.triggers import TriggerKind
from console.ui.app import make_app
from tests.cli_fleet import Fleet
from tests.test_stale_lock_left_open import fleet  # noqa: F401
from tests.test_ui_support import _no_cursor_blink, until  # noqa: F401

pytestmark = pytest.mark.sshd


async def _left_open(rig: Fleet, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Incident A on app, its console gone with nothing running: open, its lock let go."""
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(rig.state))
    engine = Engine.build(load_settings(rig.config))
    conductor = engine.new_incident("A", systems=["app"])
    try:
        conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout errors")
        conductor.select(["app"])
        assert conductor.let_go("the console quit", "terminal closed (SIGHUP)") == []
    finally:
        await engine.close()
    assert not list((rig.state / "locks").glob("*.lock"))
    return conductor.recorder.path


def _others(rig: Fleet, journal: Path) -> list[str]:
    return sorted(
        p.parent.name for p in (rig.state / "incidents").glob("*/journal.jsonl") if p != journal
    )


async def test_the_console_resuming_names_who_held_its_systems_meanwhile(
    fleet: Fleet,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    journal = await _left_open(fleet, monkeypatch)
    for _ in range(2):  # two incidents there meanwhile, each said once
        assert fleet.cli("exec", "--systems", "app", "echo x >> by-exec").returncode == 0
    others = _others(fleet, journal)
    settings = load_settings(fleet.config)
    engine = Engine.build(settings, threaded_io=True)
    try:
        app = make_app(settings, engine, resume=journal, sample_probes=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.conductor is not None, 60)
            await until(
                pilot,
                lambda: any(
                    n.title == "Another incident there meanwhile" for n in app._notifications
                ),
                30,
            )
            toasts = [
                n.message
                for n in app._notifications
                if n.title == "Another incident there meanwhile"
            ]
    finally:
        await engine.close()
    lost = [e for e in read_journal(journal).events if e.kind == Kind.LOCK_LOST]
    # (in the order they held it: two in one second may sort the other way by their ids)
    assert sorted(e.data.dump()["by"]["incident"] for e in lost) == others
    assert all(e.data.dump()["released"] and e.where.system == "app" for e in lost)
    assert len(toasts) == 2 and len(set(toasts)) == 2, toasts
    for said in toasts:
        assert any(said.startswith(f"Lock on app held by incident {o} (") for o in others), said
        assert ", after this incident let go of it open at " in said, said
        assert said.endswith(
            ": its hosts may have been changed since; read that incident's record before"
            " retrying or verifying."
        ), said
    # Read once: the note now says only that the resumed console let go of it again.
    [left] = (fleet.state / "locks").glob("*.left")
    [entry] = json.loads(left.read_text())
    assert (entry["incident"], entry["since"]) == (journal.parent.name, [])


async def test_exec_into_the_incident_names_who_held_its_systems_before_it_sends(
    fleet: Fleet,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    journal = await _left_open(fleet, monkeypatch)
    assert fleet.cli("exec", "--systems", "app", "true").returncode == 0
    [other] = _others(fleet, journal)

    done = fleet.cli("exec", "--journal", str(journal.parent), "--systems", "app", "true")

    assert done.returncode == 0, done.stderr
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"exec: lock on app held by incident {other} ("), first
    kinds = [e.kind for e in read_journal(journal).events]
    assert kinds.index(Kind.LOCK_LOST) < kinds.index(Kind.COMMAND_INTENT)


async def test_an_incident_closed_after_it_let_go_leaves_nothing_beside_the_lock(
    fleet: Fleet,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Resumed, then closed: its note read and gone; an incident that closes (the exec's)
    notes nothing, as it never left anything open."""
    journal = await _left_open(fleet, monkeypatch)
    assert fleet.cli("exec", "--systems", "app", "true").returncode == 0
    engine = Engine.build(load_settings(fleet.config))
    try:
        conductor = engine.resume(journal)
        await conductor.abort_incident("rolled back by hand", confirmed=True)
        assert conductor.state.closed
    finally:
        await engine.close()
    assert not list((fleet.state / "locks").glob("*.left"))
