"""A step that ends failed with a host whose outcome is unknown beside the failed ones
says so as it ends. Walked at 80x24 on a fleet of real sshd hosts (helper-149): one host's
restart slept past the step's timeout (failed) while another's connection dropped
mid-action (unknown); the toast read 'did not succeed everywhere. Retry failed hosts with
t, or skip.', naming neither the unknown host nor the key that verifies it (t leaves it
out), where a step whose only problem is an unknown host says 'v verifies it'."""

from __future__ import annotations

import pytest

from console.model.settings import Settings
from console.model.state import HostStatus
from console.model.status import StepStatus
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
