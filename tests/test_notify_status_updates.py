"""Status updates that repeat while the incident is open: each period from each one's
start, on the monotonic clock, the close the last one heard (never a retry after
PagerDuty's resolve)."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

from console.engine.conductor import Conductor
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.outcome import Outcome
from tests.hooks import OK, rate_limiting, serving
from tests.notify_rig import (
    PD_KEY,
    closed_while_limited,
    conductor_for,
    settings_with,
)
from tests.test_drill_clock_step_sshd import SteppedClock


async def test_status_updates_repeat_while_the_incident_is_open(hooks, tmp_path):
    url = hooks.on("/updates", OK)
    channel = {"name": "updates", "kind": "webhook", "url": url}
    conductor = conductor_for(settings_with([channel], every=0.002), tmp_path)  # 0.12 s
    assert await conductor.run_step("communicate")
    await asyncio.to_thread(hooks.wait_for, "/updates", 3)
    conductor.close(Outcome.NOT_NEEDED, "a test: nothing to roll back")
    await conductor.shutdown()
    conductor.recorder.close()
    count = len(hooks.at("/updates"))
    assert count >= 3
    repeats = [
        e.data.repeat
        for e in conductor.recorder.events
        if e.kind == Kind.NOTIFICATION_SENT and e.data.repeat
    ]
    assert repeats[:2] == [1, 2]
    closed = max(e.seq for e in conductor.recorder.events if e.kind == Kind.INCIDENT_CLOSED)
    after = [
        e for e in conductor.recorder.events if e.kind == Kind.NOTIFICATION_SENT and e.seq > closed
    ]
    # The close is the last update: how it ended, once (seen on a README fleet: Slack heard
    # an update every N minutes, then nothing, and could not tell a close from a crash).
    assert [e.data.message for e in after] == [
        "inc-notify closed: not needed (false alarm): a test: nothing to roll back"
    ]
    last = hooks.at("/updates")[-1].body
    assert (last["step"], last["message"]) == ("communicate", after[0].data.message)
    results = [e.data for e in conductor.recorder.events if e.kind == Kind.NOTIFICATION_RESULT]
    assert results[-1].ok and results[-1].repeat == after[0].data.repeat


async def test_status_updates_repeat_every_period_from_each_ones_start(hooks, tmp_path):
    """Seen with a socket that never answers (3 attempts of 3 s): updates every 15 s went
    out every 27 s, the next one waiting its whole period after the last had answered.
    The period counts from each update's start (as a resume counts it from the last sent):
    what the update took comes off the wait (the clock ticks one second a reading), the
    step's own update's too (seen with a webhook answering 429 twice: every = 1 sent the
    second update 64 s after the first)."""
    url = hooks.on("/updates", OK)
    channel = {"name": "updates", "kind": "webhook", "url": url}
    conductor = conductor_for(settings_with([channel], every=10), tmp_path)  # 600 s
    waits = await repeat_waits(conductor, 3)
    assert all(0 < wait < 600 for wait in waits), waits  # less what each update took


async def repeat_waits(conductor: Conductor, count: int) -> list[float]:
    """The communicate step run, and the waits before its first `count` repeats (none is
    waited for); then closed."""
    waits: list[float] = []

    async def waited(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(0.01)

    conductor.notifier.sleep = waited  # type: ignore[method-assign]
    assert await conductor.run_step("communicate")
    for _ in range(2000):
        if len(waits) >= count:
            break
        await asyncio.sleep(0.01)
    conductor.close(Outcome.NOT_NEEDED, "a test: nothing to roll back")
    await conductor.shutdown()
    conductor.recorder.close()
    return waits[:count]


async def test_a_wall_clock_stepped_back_does_not_delay_the_next_status_update(hooks, tmp_path):
    """NTP stepped the wall clock back an hour while an update went out: what it took read
    -1 h, and the next update of a 10-minute period waited 1 h 10 min. What an update
    took is timed on the monotonic clock."""
    url = hooks.on("/updates", OK)
    channel = {"name": "updates", "kind": "webhook", "url": url}
    conductor = conductor_for(settings_with([channel], every=10), tmp_path)  # 600 s
    clock = conductor.recorder.clock = SteppedClock()
    notifier = conductor.notifier
    send = notifier.send_all

    async def stepping(*args, **kwargs):
        sent = await send(*args, **kwargs)
        clock.step -= timedelta(hours=1)  # while each update went out
        return sent

    notifier.send_all = stepping  # type: ignore[method-assign]
    waits = await repeat_waits(conductor, 2)
    assert all(0 < wait <= 600 for wait in waits), waits


async def test_a_periodic_update_retried_across_the_close_never_reaches_pagerduty_after_its_resolve(
    tmp_path,
):
    """A status update every N minutes to PagerDuty, rate-limited (429, Retry-After) while
    the commander closes the incident: its retry went out after the resolve, and a trigger
    on a resolved alert opens a new PagerDuty incident, paging someone for a rollback
    already closed. The close now stops the update being retried (journalled, not
    delivered); the resolve is the last event PagerDuty gets."""
    got: list[dict] = []

    def periodic(body: dict) -> bool:
        """A status update but the first: the first is taken, every later one limited."""
        updates = [b for b in got if b.get("payload", {}).get("custom_details", {}).get("step")]
        return bool(body.get("payload", {}).get("custom_details", {}).get("step")) and (
            len(updates) > 1
        )

    limited = threading.Event()
    with serving(rate_limiting(got, periodic, limited, ok=202)) as base:
        url = f"{base}/v2/enqueue"
        channel = {"name": "oncall", "kind": "pagerduty", "routing_key": PD_KEY, "url": url}
        channel |= {"retries": 3}
        conductor = await closed_while_limited(channel, tmp_path, limited)
        await asyncio.sleep(2.5)  # past the Retry-After the retry would have waited
    actions = [b["event_action"] for b in got]
    assert "resolve" in actions
    assert actions[-1] == "resolve", actions
    results = [
        e.data
        for e in read_journal(conductor.recorder.path).events
        if e.kind == Kind.NOTIFICATION_RESULT
    ]
    cut = [r for r in results if r.repeat and not r.ok]
    assert cut and "the incident closed (a later attempt could page again)" in cut[-1].detail, cut
