"""A gradual re-enable of the configuration's own that steps by fractions of a percent.

`check-config` accepts a `feature-reenable` strategy with its own commands and its own
`steps` (`0.5,12.5,100`: a canary of one user in two hundred), and its commands get each
value as `{{percent}}`; but the engine read each stage's share as a whole number for its
records. Walked on a real sshd fleet: the first stage was sent and checked on every host,
then `run` ended 'error: internal error: ValueError: invalid literal for int() with base
10: '12.5' (a bug: ...)', the rollout cut after its first stage. Each share is now recorded
as the number it is; a stage that is no number is refused before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_fleet import FLAG_PROCEDURE, write_fleet

pytestmark = pytest.mark.sshd

STRATEGIES = {
    "strategies": [
        {
            "name": "reenable",
            "kind": "feature-reenable",
            "params": [{"name": "steps", "default": "0.5,12.5,100"}],
            "commands": {
                "action": "echo {{percent}} >> shares",
                "verify": 'test "$(tail -n 1 shares)" = {{percent}}',
            },
        }
    ]
}


def _run(fleet, *more: str):
    return fleet.cli(
        "run", "--systems", "app", "--strategy", "reenable", "--trigger", "user-impact",
        "--reason", "checkout fixed", "--yes", *more,
    )  # fmt: skip


def test_a_rollout_by_fractions_runs_every_stage_and_records_each_share(
    sshd_server, tmp_path: Path
) -> None:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": FLAG_PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["reenable"], probes=[])
    done = _run(fleet)
    assert "internal error" not in done.stderr, done.stderr  # on main, after stage 1
    assert done.returncode == 0, done.stdout + done.stderr
    assert fleet.written("shares") == {h: "0.5\n12.5\n100\n" for h in fleet.sandboxes}
    (journal,) = (fleet.state / "incidents").glob("*/journal.jsonl")
    events = [json.loads(line) for line in journal.read_text().splitlines()]
    stages = [e["data"] for e in events if e["kind"] == "rollout.step"]
    assert [(s["percent"], s["index"], s["ok"]) for s in stages] == [
        (0.5, 1, True),
        (12.5, 2, True),
        (100, 3, True),
    ]
    started = [e["data"] for e in events if e["kind"] == "wave.started"]
    assert [(s.get("stage"), s.get("percent")) for s in started][-3:] == [
        (1, 0.5),
        (2, 12.5),
        (3, 100),
    ]


def test_a_stage_that_is_no_number_is_refused_before_anything_is_sent(
    sshd_server, tmp_path: Path
) -> None:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": FLAG_PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["reenable"], probes=[])
    done = _run(fleet, "--param", "steps=half,all")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.splitlines()[-1] == (
        "error: strategy reenable: steps = 'half,all': stage 'half' is not a number (a share"
        " in %, as 5,25,100)"
    ), done.stderr
    assert not any((s / "shares").exists() for s in fleet.sandboxes.values())


def test_check_config_refuses_a_default_stage_that_is_no_number(
    sshd_server, tmp_path: Path
) -> None:
    """What check-config accepts runs: a default `steps = "5,half,100"` passed it, and
    `run` then refused it (reviewer, this session). Refused in one line naming the file
    and the key, exit 2."""
    bad = json.loads(json.dumps(STRATEGIES))
    bad["strategies"][0]["params"][0]["default"] = "5,half,100"
    files = {"strategies.toml": bad, "procedure.toml": FLAG_PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["reenable"], probes=[])
    done = fleet.cli("check-config")
    assert done.returncode == 2, done.stdout + done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"error: {fleet.config}/strategies.toml:"), line
    assert line.endswith(
        "steps = '5,half,100': stage 'half' is not a number (a share in %, as 5,25,100)"
    ), line
