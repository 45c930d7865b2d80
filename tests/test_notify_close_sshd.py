"""The close is the last status update: a headless `run` on a real OpenSSH fleet whose
"Communicate status" repeats (`every`) posts its update, closes, and the webhook then hears
how the incident ended, once, before `run` exits. Seen on a README fleet: Slack heard an
update every N minutes, then nothing, and could not tell a close from a console that died
(only PagerDuty followed the incident to its close). And against a loopback webhook: an
update still being retried at the close stops there, and the close's update follows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from tests.cli_fleet import Fleet, write_fleet
from tests.hooks import Hooks
from tests.test_channel_headers_sshd import STRATEGIES, procedure

pytestmark = pytest.mark.sshd


@pytest.fixture
def fleet(sshd_server, tmp_path: Path, hooks: Hooks) -> Fleet:
    files = {
        "strategies.toml": STRATEGIES,
        "procedure.toml": procedure(hooks.url + "/status", every=15),
    }
    return write_fleet(sshd_server, tmp_path, files, strategies=["app-rollback"], probes=[])


def test_a_repeating_update_s_channels_hear_the_close_once(fleet: Fleet, hooks: Hooks):
    done = fleet.cli(
        "run",
        *("--systems", "app", "--strategy", "app-rollback", "--trigger", "user-impact"),
        *("--reason", "checkout broken", "--yes", "--outcome", "unverified:no probes here"),
    )
    assert done.returncode == 1, done.stdout + done.stderr  # closed NOT VERIFIED: no probes
    updates = [r.body["message"] for r in hooks.at("/status")]
    journal = next(fleet.state.rglob("journal.jsonl"))
    incident = journal.parent.name
    [closed] = [e for e in read_journal(journal).events if e.kind == Kind.INCIDENT_CLOSED]
    assert len(updates) == 2, updates
    assert "checkout broken" in updates[0] and "closed" not in updates[0]
    assert updates[1] == f"{incident} closed: {closed.data.label}"
    assert "rolled back, not verified" in updates[1]
    assert "status update #2 via status-page: delivered — HTTP 200" in done.stdout
    assert done.stdout.splitlines()[-1].startswith(f"{incident}: ")


@pytest.fixture
def once_fleet(sshd_server, tmp_path: Path, hooks: Hooks) -> Fleet:
    """A procedure whose "Communicate status" goes once (no `every`)."""
    files = {"strategies.toml": STRATEGIES, "procedure.toml": procedure(hooks.url + "/status")}
    return write_fleet(sshd_server, tmp_path, files, strategies=["app-rollback"], probes=[])


def test_a_one_off_update_s_channels_hear_the_close_too(once_fleet: Fleet, hooks: Hooks):
    """Seen on a README fleet: a status page told "rolling back" by a notify step without
    `every` heard nothing more; the incident closed and the page said "rolling back" on."""
    done = once_fleet.cli(
        "run",
        *("--systems", "app", "--strategy", "app-rollback", "--trigger", "user-impact"),
        *("--reason", "checkout broken", "--yes", "--outcome", "unverified:no probes here"),
    )
    assert done.returncode == 1, done.stdout + done.stderr  # closed NOT VERIFIED: no probes
    incident = next(once_fleet.state.rglob("journal.jsonl")).parent.name
    updates = [r.body["message"] for r in hooks.at("/status")]
    assert len(updates) == 2, updates
    assert "checkout broken" in updates[0]
    assert updates[1].startswith(f"{incident} closed: rolled back, not verified")
    assert "status update #2 via status-page: delivered — HTTP 200" in done.stdout
    assert done.stdout.splitlines()[-1].startswith(f"{incident}: ")


async def test_an_update_retried_at_the_close_stops_and_the_close_s_update_follows(tmp_path):
    """A webhook rate-limiting every periodic update (429, Retry-After) when the incident
    closes: that update stops being retried, journalled as cut, and the close's update is
    the last one sent (it went on being retried after the close, until the run ended)."""
    import threading

    from tests.hooks import rate_limiting, serving
    from tests.notify_rig import closed_while_limited

    got: list[dict] = []
    limited = threading.Event()
    periodic = lambda body: len(got) > 1 and "closed" not in body["message"]  # noqa: E731
    with serving(rate_limiting(got, periodic, limited)) as base:
        channel = {"name": "updates", "kind": "webhook", "url": f"{base}/u", "retries": 5}
        conductor = await closed_while_limited(channel, tmp_path, limited)
    got_messages = [b["message"] for b in got]
    results = [e.data for e in conductor.recorder.events if e.kind == Kind.NOTIFICATION_RESULT]
    closing = "inc-notify closed: not needed (false alarm): a test: nothing to roll back"
    assert got_messages[-1] == closing and got_messages.count(closing) == 1, got_messages
    cut = [r for r in results if not r.ok]
    [cut_short] = cut
    assert "the incident closed (its close's update goes out instead)" in cut_short.detail
    assert results[-1].ok and results[-1].repeat == cut_short.repeat + 1
