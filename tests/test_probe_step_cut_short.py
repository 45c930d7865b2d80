"""A stability check (the probe step) cut short by the console's end, on a real sshd in a
real terminal: it changed no host and judged nothing, so it reads stopped, to be checked
again, in the record, a follower's view and the resumed console: never "? unknown" (what
V settles on hosts a change may have reached) and never failed."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import pytest

from console.engine.session import Engine
from console.journal.describe import describe
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.payloads import RunDetached
from console.model.state import StepStatus, fold
from console.ui.app import make_app
from console.ui.screens.checklist import ChecklistScreen
from tests.fleet_settings import sshd_settings, write_config
from tests.test_remote_lifetime import _wait_for
from tests.test_terminal_closed import _let_go, console_pid, ended, events_of
from tests.test_ui_support import until
from tests.test_ui_terminal import Tmux

pytestmark = [pytest.mark.sshd, pytest.mark.tmux]

HOSTS = ["web-1", "web-2", "web-3"]
# Each probe sample waits (bounded: 60 s, within the probe's timeout, made 120 s): the check
# stays in its first round until the console is ended, which stops the samples.
SAMPLE = "i=0; while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo 0"


def probed_fleet(sshd_server, tmp_path: Path) -> Path:
    """The demo's procedure on three hosts of one real sshd, whose probes wait."""
    settings, _ = sshd_settings(sshd_server, dict.fromkeys(HOSTS, "web"))
    config = write_config(
        tmp_path / "config", settings, lock_dir=tmp_path / "locks", journal_dir=tmp_path / "j"
    )
    inventory = config / "inventory.toml"
    text, count = re.subn(r'(?m)^command = ".*"$', f"command = '{SAMPLE}'", inventory.read_text())
    text, timeouts = re.subn(r"(?m)^timeout = .*$", "timeout = 120.0", text)
    assert (count, timeouts) == (2, 2), text  # web's two probes
    inventory.write_text(text)
    load_settings(config)
    return config


@pytest.mark.parametrize(
    ("how", "why"),
    [
        ("SIGHUP", "the console quit (detached: ended by SIGHUP)"),
        ("SIGKILL", "the console ended before it finished (killed, or crashed)"),
    ],
)
def test_a_stability_check_cut_short_reads_stopped_not_unknown(sshd_server, tmp_path, how, why):
    config = probed_fleet(sshd_server, tmp_path)
    tmux = Tmux(tmp_path)
    try:
        tmux.start(f"{sys.executable} -m console --config {config}; echo EXITED $?; sleep 60")
        tmux.declare()
        tmux.wait_for("Step 1 of")
        tmux.keys(*["Down"] * 7)  # the demo's step 8: Verify system stability
        tmux.wait_for("Highlighted: step 8")
        tmux.keys("Enter")
        tmux.wait_for("Out of order")  # steps 1 to 7 are not done: it asks first
        tmux.keys("y")
        found: list[Path] = []

        def checking() -> bool:
            found[:] = list((tmp_path / "j").glob("*/journal.jsonl"))
            return bool(found) and any(
                e["kind"] == "step.started" and e["where"]["step"] == "verify"
                for e in events_of(found[0])
            )

        _wait_for(checking, "the stability check to start")
        pid = console_pid(tmux)
        os.kill(pid, signal.Signals[how])
        _wait_for(lambda: ended(pid), "the console to exit")
        screen = tmux.wait_for(f"EXITED {128 + signal.Signals[how]}")
        if how == "SIGHUP":  # its one line says where the check stands
            line = "".join(screen.splitlines())
            assert "“Verify system stability” stopped (cut short before its first round:" in line
    finally:
        tmux.kill()
    journal = found[0]
    events = read_journal(journal).events
    detached = [e.payload(RunDetached) for e in events if e.kind == Kind.RUN_DETACHED]
    assert detached == ([RunDetached(running=["verify"], hosts=[], reason="ended by SIGHUP")]
                        if how == "SIGHUP" else [])  # fmt: skip
    if how == "SIGHUP":  # the timeline's line: it read "... running on no host (...)"
        (line,) = [describe(e) for e in events if e.kind == Kind.RUN_DETACHED]
        assert line == "the console quit during verify, no command left running (detached:" \
            " ended by SIGHUP)"  # fmt: skip
    said = (
        f"cut short before its first round: {why}; it changed nothing; stability NOT verified:"
        " run the check again after resume"
    )
    if how == "SIGHUP":  # a follower reads it so from the record, before any resume
        st = fold(events).settle().step("verify")
        assert (st.status, st.summary) == (StepStatus.STOPPED, said)

    # Resumed: the checklist shows it stopped, with why, and nothing unknown anywhere.
    async def resumed() -> tuple[StepStatus | object, str, list]:
        engine = Engine.build(load_settings(config))
        app = make_app(
            engine.settings, engine, resume=journal, sample_probes=False, check_reach=False
        )
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
                st = app.conductor.state.step("verify")
                return app.screen.shown_status(st), st.summary, app.conductor.state.unknown_hosts
        finally:
            await _let_go(app, engine)

    assert asyncio.run(resumed()) == (StepStatus.STOPPED, said, [])
