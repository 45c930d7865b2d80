"""The question between a gradual re-enable's stages names their shares in the record.
Walked headless on a real sshd fleet: a `feature-reenable` whose waves say `confirm`
printed 'stopped to ask: stage 1 of 3 done, start stage 2?', and its `wave.asked` held no
share: the record said neither how far the rollout was nor how far the next stage takes
it, which the question on screen did. Journals written before keep reading (the fields are
absent there)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.journal.describe import describe
from console.journal.store import read_journal
from console.model.events import Kind
from tests.cli_fleet import FLAG_PROCEDURE, write_fleet
from tests.test_reenable_fraction_sshd import STRATEGIES, _run

pytestmark = pytest.mark.sshd


def test_the_question_between_stages_records_their_shares(sshd_server, tmp_path: Path) -> None:
    [strategy] = STRATEGIES["strategies"]
    files = {
        "strategies.toml": {"strategies": [{**strategy, "waves": {"confirm": True}}]},
        "procedure.toml": FLAG_PROCEDURE,
    }
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["reenable"], probes=[])
    done = _run(fleet)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "stopped to ask: stage 1 of 3 done (0.5%), start stage 2 (12.5%)?" in done.stdout
    assert "stopped to ask: stage 2 of 3 done (12.5%), start stage 3 (100%)?" in done.stdout
    (journal,) = (fleet.state / "incidents").glob("*/journal.jsonl")
    asked = [e for e in read_journal(journal).events if e.kind == Kind.WAVE_ASKED]
    assert [(e.data.done, e.data.percent, e.data.next_percent) for e in asked] == [
        (1, 0.5, 12.5),
        (2, 12.5, 100),
    ]
    # Questions recorded before the shares were: read, and said as they were.
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    for line in lines:
        if line["kind"] == "wave.asked":
            del line["data"]["percent"], line["data"]["next_percent"]
    journal.write_text("".join(json.dumps(line) + "\n" for line in lines))
    before = [e for e in read_journal(journal).events if e.kind == Kind.WAVE_ASKED]
    assert describe(before[0]) == "stopped to ask: stage 1 of 3 done, start stage 2?"
