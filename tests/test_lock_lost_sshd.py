"""A resumed incident learns that another incident took its stale lock over meanwhile, on
a real sshd fleet. A `run` killed (SIGKILL) mid-command left its lock stale; an `exec
--take-over-lock` took it over and changed the hosts, and only the exec's journal said
so: the resumed incident retried and verified hosts someone else had changed, none the
wiser. Now the taker notes it beside the lock, and the incident taking its locks again
journals it (`lock.lost`: by whom, when, why) and says it in one line: the console as it
resumes, exec --journal on stderr, before anything is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.engine.session import Engine
from console.journal.lock_phrases import STALE
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.ui.app import make_app
from tests.cli_fleet import Fleet
from tests.test_stale_lock_left_open import fleet, killed_once_sent  # noqa: F401
from tests.test_ui_support import _no_cursor_blink, until  # noqa: F401

pytestmark = pytest.mark.sshd

REASON = "their console died; checkout is down"


def killed_then_taken_over(rig: Fleet) -> tuple[Path, str]:
    """Incident A's run killed mid-command, then an exec taking its lock over and changing
    the hosts; A's journal directory and the exec's incident."""
    journal = rig.state / "incident"
    killed_once_sent(rig, journal, {"app-1"})
    took = rig.cli("exec", "--systems", "app", "--take-over-lock", REASON, "echo x > by-exec")
    assert took.returncode == 0, took.stderr
    assert all((s / "by-exec").exists() for s in rig.sandboxes.values())
    (other,) = [
        p.parent.name
        for p in (rig.state / "incidents").glob("*/journal.jsonl")
        if p.parent != journal
    ]
    return journal, other


def lost(journal: Path) -> list:
    return [e for e in read_journal(journal).events if e.kind == Kind.LOCK_LOST]


async def test_the_console_resuming_says_its_lock_was_taken_over_meanwhile(
    fleet: Fleet,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    journal, other = killed_then_taken_over(fleet)
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(fleet.state))
    settings = load_settings(fleet.config)
    engine = Engine.build(settings, threaded_io=True)
    try:
        app = make_app(settings, engine, resume=journal / "journal.jsonl", sample_probes=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.conductor is not None, 60)
            await until(pilot, lambda: bool(app._notifications), 30)
            toasts = [(n.title, n.message) for n in app._notifications]
    finally:
        await engine.close()
    (event,) = lost(journal)
    data = event.data.dump()
    assert event.where.system == "app"
    assert data["by"]["incident"] == other and data["reason"] == REASON
    said = [m for t, m in toasts if t == "Another incident there meanwhile"]
    assert len(said) == 1, toasts
    assert said[0].startswith(f"Lock on app taken over by incident {other} (")
    assert f", reason “{REASON}”, {STALE}: its hosts may" in said[0]
    assert "\n" not in said[0]
    # Said once: the note beside the lock was read, and goes.
    assert not list((fleet.state / "locks").glob("*.taken"))


def test_exec_into_the_incident_says_its_lock_was_taken_over_before_it_sends(
    fleet: Fleet,  # noqa: F811
) -> None:
    journal, other = killed_then_taken_over(fleet)
    done = fleet.cli("exec", "--journal", str(journal), "--systems", "app", "true")
    assert done.returncode == 0, done.stderr
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"exec: lock on app taken over by incident {other} (")
    assert first.endswith(
        f", reason “{REASON}”, while this incident's lock was stale (the process holding it"
        " had ended): its hosts may have been changed since; read that incident's record"
        " before retrying or verifying"
    )
    events = read_journal(journal).events
    kinds = [e.kind for e in events]
    at = kinds.index(Kind.LOCK_LOST)
    intents = [i for i, k in enumerate(kinds) if k == Kind.COMMAND_INTENT]
    assert at < intents[-1], "journalled before the exec's command was sent"
