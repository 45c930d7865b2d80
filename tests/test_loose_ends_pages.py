"""The close names what was not delivered as what it was: a PagerDuty incident event (a
page: the declaration's trigger) read "NOT DELIVERED: the last status update on oncall"
(helper-123, walked on a README fleet with loopback receivers). Read from a journal as
the engine writes it; the words do not depend on SSH."""

from __future__ import annotations

from pathlib import Path

from console.model.events import Kind
from console.model.loose_ends import loose_ends
from tests.test_ui_support import demo_settings, under_way


def _sent(conductor, channel: str, ok: bool, **how: str) -> None:
    record = conductor.recorder.record
    sent = record(Kind.NOTIFICATION_SENT, channel=channel, kind=how.pop("kind"), **how)
    record(Kind.NOTIFICATION_RESULT, sent=sent.seq, channel=channel, ok=ok, status=500)


def test_a_page_not_delivered_is_said_as_a_page(tmp_path: Path) -> None:
    _engine, conductor = under_way(demo_settings(), tmp_path / "incidents")
    _sent(conductor, "oncall", False, kind="pagerduty", lifecycle="trigger", action="trigger")
    _sent(conductor, "incidents", False, kind="slack", message="rolling back web")
    _sent(conductor, "status", True, kind="webhook", message="rolling back web")
    said = loose_ends(conductor.settings.procedure, conductor.state)
    assert said.endswith(
        "NOT DELIVERED: the last status update on incidents; the last page on oncall."
    ), said
    _sent(conductor, "oncall", True, kind="pagerduty", lifecycle="trigger", action="trigger")
    said = loose_ends(conductor.settings.procedure, conductor.state)
    assert said.endswith("NOT DELIVERED: the last status update on incidents."), said
    conductor.recorder.close()
