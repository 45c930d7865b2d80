"""Command of a teammate's incident is not taken where this console could not then resume
it: refused first, no reason asked, nothing copied, moved or recorded. Seen with two real
accounts: r on a killed teammate's incident recorded "commander.handed_over" and moved
their journal aside, then the resume refused "host(s) web-1 of this incident are not in
this configuration's inventory": the record said a hand-over nobody could carry on."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from console.journal.lock import SystemLocks
from tests.test_handover import REASON
from tests.test_incident_custody import (  # noqa: F401
    INCIDENT,
    driven_by,
    run_cli,
    shared,
    team_config,
)
from tests.test_team_dirs import holder_of, team  # noqa: F401 (a fixture)
from tests.test_ui_support import _close_engines, _no_cursor_blink  # noqa: F401

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="a second account needs root")


def _as_it_was(journals: Path) -> dict[str, bytes]:
    return {str(p.relative_to(journals)): p.read_bytes() for p in journals.rglob("*.jsonl")}


async def test_hosts_not_in_this_inventory_are_refused_before_the_reason(shared) -> None:  # noqa: F811 (a fixture)
    """On x-1 to x-300, which the demo's inventory lacks: r says so at once, `resume ID
    --take-command REASON` and `resume ID` in one line (exit 2), naming three and counting
    the rest (300 names filled the 80x24 screen)."""
    from console.cli.console_app import _take_command
    from console.cli.parser import UsageError
    from console.engine.session import Engine
    from console.model.loading import load_settings
    from tests.test_ui_support import _ENGINES, ACTOR, build_app, toasts_once

    journals, locks, account = shared
    with driven_by(account, journals, locks, system="x", hosts=300):
        pass  # killed: its writer and its lock on x left behind
    before = _as_it_was(journals)
    journal = journals / INCIDENT / "journal.jsonl"
    refused = (
        f"{journal}: 300 hosts of this incident are not in this configuration's inventory"
        " (x-1, x-2, x-3 +297 more; its journal's systems.selected event names all 300);"
        " {} with the configuration it ran with (--config DIR)"
    )
    config = team_config(journals, locks, "demo")
    settings = load_settings(config)
    engine = Engine(settings, journals, actor=ACTOR, lock_dir=locks, threaded_io=True)
    _ENGINES.append(engine)
    app = build_app(settings, journals, engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        said = refused.format("take command of it").replace(str(journal), INCIDENT)
        assert ("Not taken over", said) in await toasts_once(pilot, "Not taken over")
        assert type(app.screen).__name__ == "HomeScreen"  # no reason asked
    with pytest.raises(UsageError) as said:
        _take_command(settings, journal, REASON, demo=False)
    assert str(said.value) == f"not taken over: {refused.format('take command of it')}"
    resume = ("resume", str(journal), "--config", str(config))
    assert await asyncio.to_thread(run_cli, *resume) == (  # its own loop: off this one
        f"2\nerror: {refused.format('resume it')}\n"
    )
    assert _as_it_was(journals) == before


def test_a_system_another_incident_holds_is_refused(shared) -> None:  # noqa: F811 (a fixture)
    """Web's stale lock was taken over by another incident, whose console runs: resuming
    would be refused, so taking command is, naming it (a stale one: the resume asks)."""
    from console.engine.errors import LockRefused, StaleLock
    from console.engine.session import Engine
    from tests.test_ui_support import demo_settings

    journals, locks, account = shared
    with driven_by(account, journals, locks):
        pass
    before = _as_it_was(journals)
    other = holder_of("20261204-040000-cd34", os.getpid(), journals / "elsewhere")
    SystemLocks(locks).acquire("web", other, take_over_stale=True)
    engine = Engine(demo_settings(), journals, lock_dir=locks)
    with pytest.raises(LockRefused) as said:
        engine.take_command(journals / INCIDENT / "journal.jsonl", REASON)
    assert not isinstance(said.value, StaleLock) and said.value.holder == other.incident
    assert _as_it_was(journals) == before


def test_a_teammates_headless_run_is_not_asked(shared, monkeypatch) -> None:  # noqa: F811 (a fixture)
    """`resume ID --take-command REASON` while the teammate's `run` drives it: refused at
    once in the list's words, as r says it; a run answers nobody (it was asked, then
    waited on for a minute: 'did not hand over command ... within 60 s')."""
    from console.cli import terminal_needed
    from console.cli.console_app import _take_command
    from console.cli.parser import UsageError
    from console.engine import handover_request
    from console.model.loading import load_settings

    monkeypatch.setattr(terminal_needed, "needs_terminal", lambda incident=None: None)
    monkeypatch.setattr(handover_request, "ANSWER_SECONDS", 0.5)  # main's wait, short
    journals, locks, account = shared
    settings = load_settings(team_config(journals, locks, "demo"))
    with driven_by(account, journals, locks, program="rollback-console run") as pid:
        before = _as_it_was(journals)
        with pytest.raises(UsageError) as said:
            _take_command(settings, journals / INCIDENT / "journal.jsonl", REASON, demo=False)
    assert str(said.value).startswith(
        f"not taken over: {account.name}'s incident; written by {account.name}'s"
        f" rollback-console run pid {pid} on "
    )
    assert str(said.value).endswith(
        f"Read-only for this account while {account.name}'s rollback-console run runs: follow"
        f" it live (rollback-console follow {INCIDENT}) or export it; once it has ended, take"
        f" command of it (r on the home screen, or rollback-console resume {INCIDENT}"
        " --take-command REASON), with a reason that is recorded."
    )
    assert _as_it_was(journals) == before
    assert not (locks / f"{INCIDENT}.handover").exists()  # nobody was asked
