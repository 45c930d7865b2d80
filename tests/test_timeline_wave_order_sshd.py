"""The document's timeline is in the order things happened, a wave's row at its start.
A wave's row (`restore wave 1 of 2 (app-1): 1 host sent → 1 succeeded in 4.0 s`) was
stamped with its first command's time but placed at its last: a note the commander added
while the wave ran (n on the execution screen) came above the row with a later time, the
times going back. Real sshd, a real conductor, the document as `export` writes it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.cli_fleet import FLAG_PROCEDURE, Fleet, flag_incident, write_fleet

pytestmark = pytest.mark.sshd

# The action waits (bounded) for `go`, which the test writes once its note is recorded.
WAITING = {
    "name": "off",
    "kind": "custom",
    "waves": {"size": 1},
    "commands": {
        "action": "i=0; while [ ! -e go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done",
        "verify": "test -e go",
    },
}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": {"strategies": [WAITING]}, "procedure.toml": FLAG_PROCEDURE}
    return write_fleet(sshd_server, tmp_path, files, strategies=["off"], probes=[])


async def test_a_note_made_during_a_wave_comes_after_the_wave_s_row(fleet: Fleet) -> None:
    async with flag_incident(fleet, incident_id="20261205-230000-beef") as conductor:
        run = asyncio.ensure_future(conductor.run_step("restore"))
        for _ in range(600):  # app-1's action sent (bounded: 60 s)
            if (h := conductor.state.step("restore").hosts.get("app-1")) and h.stage == "action":
                break
            await asyncio.sleep(0.1)
        conductor.note("app-1 slow to restart, watching it")
        for sandbox in fleet.sandboxes.values():
            (sandbox / "go").write_text("")
        assert await asyncio.wait_for(run, 60)
        journal = conductor.recorder.path

    done = fleet.cli("export", str(journal), "--format", "json", "-o", "-")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["document"]["timeline"]["rows"]
    said = [(r["at"], r["what"]) for r in rows]
    wave = next(i for i, (_, what) in enumerate(said) if what.startswith("restore wave 1 of 2"))
    note = next(i for i, (_, what) in enumerate(said) if "slow to restart" in what)
    assert wave < note, said  # the wave began before the note; it read after it
    assert [at for at, _ in said] == sorted(at for at, _ in said), said
