"""`resume` of an incident closed with a host unknown (older `run`s closed such incidents
as failed; journals in the field have them). A closed incident reopens for amendments
only: V and R would append the step's commands and change that host's outcome under the
close, and the incident holds no locks any more. The console offered "v verify them · r
retry only them" there, and v did nothing: now the banner offers neither and says how to
verify by hand. On real sshd; the console driven with Pilot at 80x24."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Footer

from console.engine.session import Engine
from console.journal.store import read_journal
from console.model import invocation
from console.model.loading import load_settings
from console.model.outcome import Outcome
from console.ui.app import make_app
from console.ui.widgets.mode_banner import ModeBanner
from tests.test_cli_run_sshd import _still_under_way_fleet, run
from tests.test_ui_support import until

# The close kept app's lock for app-2: the verify by hand takes it over.
BY_HAND = "rollback-console verify {} --take-over-lock REASON"


@contextlib.asynccontextmanager
async def resumed(config: Path, journal: Path) -> AsyncIterator[tuple[App, Pilot, str]]:
    """The console at 80x24 on the closed incident `journal`, once it said it resumed:
    the app, its pilot, and what the "Resumed" notice said."""
    engine = Engine.build(load_settings(config))
    app = make_app(engine.settings, engine, resume=journal, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: any(n.title == "Resumed" for n in app._notifications))
            (said,) = [n.message for n in app._notifications if n.title == "Resumed"]
            yield app, pilot, said
    finally:
        if app.conductor is not None:
            app.conductor.release_locks()
            app.conductor.recorder.close()
        await engine.close()


async def _closed_with_app2_unknown(sshd_server, tmp_path: Path):
    """A run left app-2 unknown (its verify: still under way); closed as older runs
    closed it. The fleet and the closed incident's journal."""
    fleet = _still_under_way_fleet(sshd_server, tmp_path)
    assert run(fleet, "--yes").returncode == 4  # app-2's verify: still under way
    journal = fleet.state / "incident" / "journal.jsonl"
    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    conductor = engine.resume(journal)  # closed as older runs closed it
    conductor.close(Outcome.FAILED, "outcome unknown on app-2: verify them again")
    conductor.recorder.close()
    await engine.close()
    (fleet.sandboxes["app-2"] / "slow").unlink()  # V, if it ran, would settle app-2 now
    return fleet, journal


async def test_a_closed_incident_with_a_host_unknown_offers_no_key_that_does_nothing(
    sshd_server, tmp_path
) -> None:
    fleet, journal = await _closed_with_app2_unknown(sshd_server, tmp_path)
    written = read_journal(journal).events
    by_hand = BY_HAND.format(written[0].data.incident_id)

    async with resumed(fleet.config, journal) as (app, pilot, said):
        assert said.startswith("Closed: failed: outcome unknown on app-2"), said
        assert "Reopened for amendments only" in said
        assert "Outcome unknown on app-2: v and r do not run after the close" in said
        assert (
            f"Verify by hand: {by_hand} runs the step's verify there (a new incident, under"
            " the locks) and notes here what it found."
        ) in said, said
        assert "its locks there were kept at the close: --take-over-lock takes" in said
        banner = str(app.screen.query_one(ModeBanner).render())
        assert "v verify" not in banner and "retry only" not in banner, banner
        assert "? UNKNOWN  app-2" in banner and "is closed: v and r do not run" in banner, banner
        # whole at 80 columns, on two lines as a shell continues one
        command, take = by_hand.split(" --take", 1)
        assert f"verify by hand: {command} \\\n   --take{take}" in banner, banner
        detail = str(app.screen.query_one("#step-detail").render())
        assert "v verifies" not in detail and "(closed: verify by hand" in detail, detail
        footer = app.screen.query_one(Footer)
        keys = {k.description for k in footer.query("FooterKey")}
        assert not keys & {"Verify unknown", "Retry unknown"}, keys
        await pilot.press("v")
        await pilot.press("r")
        await pilot.pause()
        assert not [w for w in app.workers if w.group in ("step", "attempts")]
    events = read_journal(journal).events
    assert [e.kind for e in events[len(written) :]] == ["incident.resumed"], events[-3:]


async def test_the_banner_shows_a_long_config_directory_whole_at_80x24(
    sshd_server, tmp_path
) -> None:
    """Seen at 80x24 on a real sshd fleet started with a long --config: the closed
    incident's banner read "   --config /tmp/…/storefront-production-eu-west-1/rol …", the
    directory its verify by hand needs cut at the edge. It goes on at the next line's
    start after a backslash, as the shell joins it; every line fits the screen."""
    fleet, journal = await _closed_with_app2_unknown(sshd_server, tmp_path)
    directory = f"/srv/{'storefront-production-eu-west-1/' * 3}rollback-console-configuration"
    invocation.repeat_config(directory)
    try:
        async with resumed(fleet.config, journal) as (app, pilot, _):
            banner = app.screen.query_one(ModeBanner)
            await pilot.pause()
            lines = [banner.render_line(y).text.rstrip() for y in range(banner.size.height)]
    finally:
        invocation.repeat_config(None)
    assert all(len(line) <= 80 for line in lines), lines
    at = next(i for i, line in enumerate(lines) if line.startswith("   --config "))
    command = "".join(line.removesuffix("\\") for line in lines[at:])
    assert command.startswith(f"   --config {directory}"), lines
    assert "(the step's verify there)" in command, lines
    assert not any(" …" in line for line in lines[at - 2 :]), lines
