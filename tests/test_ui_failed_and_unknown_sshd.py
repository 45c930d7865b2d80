"""A step that ends failed with a host whose outcome is unknown beside the failed ones
says so as it ends. Walked at 80x24 on a fleet of real sshd hosts (helper-149): one host's
restart slept past the step's timeout (failed) while another's connection dropped
mid-action (unknown); the toast read 'did not succeed everywhere. Retry failed hosts with
t, or skip.', naming neither the unknown host nor the key that verifies it (t leaves it
out), where a step whose only problem is an unknown host says 'v verifies it'."""

from __future__ import annotations

import asyncio

import pytest

from console.model.events import Kind
from console.model.settings import Settings
from console.model.state import HostStatus
from console.model.status import StepStatus
from console.ui.screens.confirm_run import RunConfirm
from console.ui.widgets.waves_line import waves_text
from tests.fleet_settings import sshd_settings
from tests.test_ui_live_exec import _restore_confirmed
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    footer_keys,
    toasts_once,
    until,
)

pytestmark = pytest.mark.sshd
VERIFY_ATTEMPTS = 20  # V while the dropped attempt still ends answers "still running"

# Ends the SSH session that runs it: the per-connection sshd above it is killed.
DROP = """\
p=$$
while [ "$p" -gt 1 ]; do
  case "$(cat /proc/$p/comm)" in sshd*) kill -9 "$p"; break ;; esac
  p=$(awk '{print $4}' "/proc/$p/stat")
done
sleep 5
"""


async def test_a_failed_step_with_a_host_unknown_says_how_to_settle_it(sshd_server, tmp_path):
    settings, sandboxes = sshd_settings(sshd_server, {"web-1": "web", "web-2": "web"})
    data = settings.dumped()
    for strategy in data["strategies"]:
        if strategy["name"] == "version-rollback":
            strategy["commands"].update(precheck="true", action="sh bin/act", verify="true")
    settings = Settings.validated(data)
    (sandboxes["web-1"] / "bin" / "act").write_text("echo 'restart failed' >&2; exit 1\n")
    (sandboxes["web-2"] / "bin" / "act").write_text(DROP)
    app = build_app(settings, tmp_path / "incidents")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await _restore_confirmed(pilot, app)
        await until(pilot, lambda: "restore" not in app.conductor.running)
        st = app.conductor.state.step("restore")
        assert st.status is StepStatus.FAILED, st.summary
        assert st.hosts["web-1"].status is HostStatus.FAILED
        assert st.hosts["web-2"].status is HostStatus.UNKNOWN
        toasts = await toasts_once(pilot, "Step failed")
        assert (
            "Step failed",
            "“Restore previous version” did not succeed everywhere. Retry failed hosts with t,"
            " or skip. Unknown on web-2: v verifies it, r retries only it.",
        ) in toasts, toasts
        # The footer names the verify at 80 columns (it fell off, behind b and i).
        await app.push_screen("execution")
        shown = await footer_keys(pilot)
        assert [k for k in shown if k.split()[0] in ("t", "v", "r")] == [
            "t Retry failed",
            "v Verify unknown",
            "r Retry unknown",
        ], shown

        # V settles web-2, then t retries web-1: the earlier run counts web-2 as V found
        # it (walked: it read '0 ok, 0 failed, 1 unknown' after V had settled the host)
        def answers() -> int:
            events = app.conductor.recorder.events.actions
            return sum(1 for e in events if e.kind == Kind.UNKNOWN_VERIFIED)

        for _ in range(VERIFY_ATTEMPTS):  # its attempt may still be ending (TERM, then KILL)
            verified = answers()
            await pilot.press("v")
            await until(pilot, lambda n=verified: answers() > n)
            if st.hosts["web-2"].status is HostStatus.SUCCEEDED:
                break
            await asyncio.sleep(0.5)
        assert st.hosts["web-2"].status is HostStatus.SUCCEEDED, st.hosts["web-2"]
        await until(pilot, lambda: "restore" not in app.conductor.running)
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        await pilot.press("y")
        await until(pilot, lambda: bool(app.conductor.state.step("restore").earlier_waves))
        await until(pilot, lambda: "restore" not in app.conductor.running)
        waves = waves_text(app.conductor.state.step("restore"), running=False)
        assert waves is not None
        said = waves.plain.splitlines()[-1]
        assert said == " Earlier run 1: 1 of 1 wave, web-1, web-2: 1 ok, 1 failed", said
