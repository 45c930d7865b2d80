"""A restart that exits 0 without the service taking the change, on real sshd: the presets'
verify read the files alone (the link, the flags), so the host read "verified" while the
service still ran the release rolled back from, or was down; only a probe, or a `check`
given by hand, caught it. A release's verify reads the release the service runs
(`running`); a restart whose verify checks nothing of the service closes the incident as
rolled back, not verified, saying why, and check-config says so first."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.state import HostStatus, fold
from tests.cli_fleet import FLAG_PARAMS, FLAG_PROCEDURE, Fleet, flag_fleet, write_fleet
from tests.fleet_settings import chown_tree
from tests.test_lost_mid_change import PROCEDURE  # a strategy step, no stability check

pytestmark = pytest.mark.sshd

# The storefront: answers /version with the release it was started from (its directory).
SERVICE = """\
import http.server, os, sys
version = os.path.basename(os.getcwd()).encode()
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(version if self.path == "/version" else b"ok")
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""
# A restart that stops the service and starts it again from `current`, answering before
# it ends; and a reload that does nothing, exiting 0 (the service goes on as it was).
RESTART = """\
#!/bin/sh
kill "$(cat service.pid)" 2>/dev/null; sleep 0.2
(cd current && exec python3 ../../service.py "$(cat ../../port)") >/dev/null 2>&1 &
echo $! > service.pid
i=0; while [ $i -lt 100 ]; do curl -fsS -o /dev/null "http://127.0.0.1:$(cat port)/" && exit 0; sleep 0.1; i=$((i+1)); done
"""
SILENT = "#!/bin/sh\necho reloaded\n"
VERSION = "curl -fsS http://127.0.0.1:$(cat port)/version"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def storefront(sshd_server, tmp_path: Path) -> Iterator[Fleet]:
    """app-1 and app-2 serving release 1.11.0, 1.10.0 beside it; app-1's restart restarts
    the service, app-2's is a reload that does nothing (exit 0)."""
    strategy = {
        "name": "release",
        "kind": "version-rollback",
        "params": [
            {"name": "restart", "default": "./restart.sh"},
            {"name": "running", "default": VERSION},
        ],
    }
    files = {"strategies.toml": {"strategies": [strategy]}, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["release"], probes=[])
    account = sshd_server.account
    for host, sandbox in fleet.sandboxes.items():
        for version in ("1.10.0", "1.11.0"):
            (sandbox / "releases" / version).mkdir(parents=True)
        (sandbox / "current").symlink_to("releases/1.11.0")
        (sandbox / "service.py").write_text(SERVICE)
        (sandbox / "port").write_text(f"{_port()}\n")
        (sandbox / "restart.sh").write_text(RESTART if host == "app-1" else SILENT)
        (sandbox / "restart.sh").chmod(0o755)
        chown_tree(sandbox, account.uid, account.gid)
    started = {}
    try:
        for host, sandbox in fleet.sandboxes.items():
            port = int((sandbox / "port").read_text())
            user = {"user": account.uid, "group": account.gid} if os.geteuid() == 0 else {}
            started[host] = subprocess.Popen(
                ["sh", "-c", f"exec python3 ../../service.py {port}"],  # the host's python
                cwd=sandbox / "releases" / "1.11.0",
                **user,  # type: ignore[arg-type]
            )
            (sandbox / "service.pid").write_text(f"{started[host].pid}\n")
            os.chown(sandbox / "service.pid", account.uid, account.gid)
            until_answering(port)
        yield fleet
    finally:
        for sandbox in fleet.sandboxes.values():  # whichever process the restart started
            file = sandbox / "service.pid"
            pid = file.read_text().strip() if file.exists() else ""
            if pid.isdigit():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGTERM)
        for process in started.values():
            process.terminate()
            process.wait(timeout=30)


def until_answering(port: int) -> None:
    for _ in range(200):
        if _answers(port):
            return
        time.sleep(0.05)
    raise AssertionError(f"the service on port {port} never answered")


def test_a_release_whose_service_did_not_take_it_fails_its_verify(storefront: Fleet) -> None:
    fleet = storefront
    done = fleet.cli(
        "run", "--systems", "app", "--strategy", "release", "--trigger", "user-impact",
        "--reason", "1.11.0 breaks checkout", "--yes", "--journal", str(fleet.state / "incident"),
    )  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    restore = fold(read_journal(fleet.state / "incident").events).step("restore")
    # app-1's restart took: the service runs the release rolled back to.
    assert restore.hosts["app-1"].status is HostStatus.SUCCEEDED, said
    assert f"the service runs 1.10.0 ({VERSION})" in said
    # app-2's link points at 1.10.0 too, but its service still runs 1.11.0: failed, saying so.
    assert (fleet.sandboxes["app-2"] / "current").readlink() == Path("releases/1.10.0")
    assert restore.hosts["app-2"].status is HostStatus.FAILED, said
    assert (
        f"the service runs 1.11.0, not 1.10.0 ({VERSION}): its restart exited 0 but did not"
        " take; current points at 1.10.0"
    ) in said


def _flags(sshd_server, tmp_path: Path, params: list[dict]) -> Fleet:
    strategy = {"name": "off", "kind": "feature-toggle-off", "preset": "file", "params": params}
    files = {"strategies.toml": {"strategies": [strategy]}, "procedure.toml": FLAG_PROCEDURE}
    fleet = flag_fleet(sshd_server, tmp_path, files, ["off"], "new_checkout=100\n")
    for sandbox in fleet.sandboxes.values():
        (sandbox / "down").write_text("")  # what the reload leaves: the service down
        chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)
    return fleet


@pytest.mark.parametrize("check", ["", "test ! -e down"])
def test_a_restart_whose_service_nothing_checks_is_not_verified(
    sshd_server, tmp_path: Path, check: str
) -> None:
    """The flags read 0, the reload exited 0 and left the service down: with no `check` and
    no stability check in the procedure, the run said 'rolled back and verified' (exit 0).
    It closes as rolled back, not verified, naming the restart nothing checked; a `check`
    (the service's own status) fails the host instead."""
    reload = "echo reloaded"
    params = [*FLAG_PARAMS, {"name": "restart", "default": reload}]
    if check:
        params.append({"name": "check", "default": check})
    fleet = _flags(sshd_server, tmp_path, params)
    checked = fleet.cli("check-config")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    warned = [line for line in checked.stderr.splitlines() if "restarts the service" in line]
    done = fleet.cli(
        "run", "--systems", "app", "--strategy", "off", "--trigger", "user-impact",
        "--reason", "checkout errors", "--yes", "--journal", str(tmp_path / "incident"),
    )  # fmt: skip
    said = done.stdout + done.stderr
    state = fold(read_journal(tmp_path / "incident").events)
    assert done.returncode == 1, said
    assert "rolled back and verified" not in said
    if check:
        assert warned == [], checked.stderr
        assert state.step("restore").hosts["app-1"].status is HostStatus.FAILED
        assert f"health check failed: {check}" in said
        return
    assert warned == [
        f"warning: {fleet.config}/strategies.toml:2: strategies[0].name: strategy 'off'"
        f" restarts the service ({reload}), but its verify checks only what it changed, and"
        ' the procedure has no stability check (a step of kind "probe"): a restart that'
        " exits 0 with the service down passes it, and its incidents close as rolled back,"
        " not verified (give the parameter `check` the service's own health or status"
        " command)"
    ], checked.stderr
    assert state.outcome == "unverified", state.outcome
    assert (
        f"nothing verified it: the verify of “off” checked what it changed, not the service"
        f" its restart ({reload}) restarted (no `check`"
    ) in (state.outcome_label or ""), state.outcome_label
    assert "NOT VERIFIED" in done.stdout.splitlines()[-1], said
