"""exec's fsyncs, watched on a real sshd: each has something new to make durable. Seen
on main (issue 18, bench/HISTORY.md's "exec's wall against the floor, phase by phase"):
after the last host's result, an exec on 50 hosts made six fsyncs one after another
(5-11 ms each on a loaded machine): the wave's end, the step's, the locks' release alone,
the close, the journal's again with nothing new, then output.jsonl. The release is now durable with the
close in one fsync, and the writer's close does not fsync a journal its last fsync
covered; output.jsonl is still fsync'd at the close, and the journal whole. The last
wave's end is durable with the step's end, recorded right after it: one fsync fewer a step
(a 5-step run's, bench/HISTORY.md's "The command cap ...")."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from console.cli import main
from tests.test_needed_nothing_sshd import STRATEGIES, releases_fleet

pytestmark = pytest.mark.sshd


def test_each_fsync_of_an_exec_makes_something_new_durable(sshd_server, tmp_path, monkeypatch):
    fleet = releases_fleet(sshd_server, tmp_path, STRATEGIES, ("app-1", "app-2"))
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(fleet.state))
    synced: list[tuple[str, bytes]] = []  # (file name, its bytes when fsync'd)
    real = os.fsync

    def fsync(fd: int) -> None:
        path = Path(os.readlink(f"/proc/self/fd/{fd}"))
        if path.name.endswith(".jsonl"):
            synced.append((path.name, path.read_bytes()))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    assert main(["exec", "--config", str(fleet.config), "--systems", "app", "true"]) == 0

    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    journal_syncs = [data for name, data in synced if name == "journal.jsonl"]
    kinds = [[json.loads(line)["kind"] for line in data.splitlines()] for data in journal_syncs]
    assert kinds[-1][-2:] == ["lock.released", "incident.closed"]
    assert kinds[-2][-1] != "lock.released", "the locks' release was fsync'd alone"
    ends = [k[-1] for k in kinds]
    assert "wave.finished" not in ends, f"the wave's end was fsync'd alone: {ends}"
    sizes = [len(data) for data in journal_syncs]
    assert sizes == sorted(set(sizes)), f"a journal fsync had nothing new: {sizes}"
    assert journal_syncs[-1] == journal.read_bytes()  # the last fsync covers it whole
    assert [name for name, _ in synced][-1] == "output.jsonl"  # fsync'd at the close
