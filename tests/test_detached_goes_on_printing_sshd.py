"""A command the console left running as its terminal closed goes on to its end, though it
prints. Walked on init's configuration over 20 real sshd hosts, a version rollback whose
restart printed a line after ~20 s: tmux was killed mid-restart (the console detached, as
the README says: "the commands running run on to their end"), and the restart's line, with
nobody left to read it, ended it by SIGPIPE: the link switched, the restart owed, `V` then
'restart not finished since the change'. The supervisor now reads the output itself once it
lets go. The console in a real terminal (tmux, 80x24) on a real OpenSSH sshd."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from console.engine.session import Engine
from console.model.loading import load_settings
from tests import sshd, test_terminal_closed
from tests.test_remote_lifetime import _wait_for
from tests.test_terminal_closed import end_mid_step, fleet
from tests.unknown_verified import verified_once_ended

pytestmark = [pytest.mark.sshd, pytest.mark.tmux]

# The action waits (printing nothing) until the test lets it go, then prints, on both
# streams, before it records that it went on (bounded: 5 min, as test_terminal_closed's).
PRINTS = (
    "i=0; while [ ! -e go ] && [ $i -lt 1500 ]; do sleep 0.2; i=$((i+1)); done\n"
    "echo 'restarting storefront'; echo 'a warning' >&2; date > started\n"
)


def _sessions_gone(server: sshd.SshdServer) -> bool:
    """No sshd process serves a connection any more: the channel's end of the command's
    output pipes is closed (its processes, reparented, are no descendants of sshd)."""
    for pid in sshd._descendants(server.process.pid):
        try:
            if Path(f"/proc/{pid}/comm").read_text().startswith("sshd"):
                return False
        except OSError:
            continue
    return True


def test_a_command_left_running_by_a_closed_terminal_prints_and_ends(
    sshd_server, tmp_path, monkeypatch
):
    monkeypatch.setattr(test_terminal_closed, "WAIT", PRINTS)
    config, sandboxes = fleet(sshd_server, tmp_path)
    try:
        journal = end_mid_step(config, tmp_path, "hang up", sshd_server.account.name)
        _wait_for(lambda: _sessions_gone(sshd_server.server), "sshd to close the session")
    finally:
        for host in sandboxes:
            (sandboxes[host] / "go").touch()
    _wait_for(lambda: (sandboxes["web-1"] / "started").exists(), "web-1's action to go on")

    async def verify() -> dict[str, str]:
        engine = Engine.build(load_settings(config))
        conductor = engine.resume(journal)
        try:
            return await verified_once_ended(conductor)
        finally:
            conductor.release_locks()
            conductor.recorder.close()
            await engine.close()

    assert asyncio.run(verify()) == {"web-1": "verified: succeeded"}
