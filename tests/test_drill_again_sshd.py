"""A drill run again on hosts its last run left rolled back, on real sshd: a drill undoes
its faults, never its rollback, so a fault that only makes the current release misbehave
leaves the hosts one release back, and the next drill's `previous` is refused there. Walked
with a scenario written from docs/drills.md and its schedule: the second drill's report
said 'got refused by a precheck' and nothing of why; the refusal, which names the earlier
drill's incident, is in the finding now."""

from __future__ import annotations

import tomli_w

from console.journal.store import read_journal
from console.model.state import fold
from tests.test_lost_mid_change import release_fleet

STRATEGIES = {"strategies": [{"name": "release", "kind": "version-rollback"}]}
DRILLS = {
    "default": "errors-up",
    "scenarios": [
        {
            "name": "errors-up",
            "systems": ["app"],
            "strategy": "release",
            "trigger": "user-impact",
            "reason": "monthly drill",
            "expect": "verified",
            "faults": [
                {
                    "name": "errors up",
                    "command": "echo 30 > errors",
                    "undo": "rm -f errors",
                    "systems": ["app"],
                }
            ],
        }
    ],
}


def test_a_drill_refused_where_the_last_left_its_rollback_says_why(sshd_server, tmp_path):
    fleet = release_fleet(sshd_server, tmp_path, STRATEGIES)
    (fleet.config / "drills.toml").write_text(tomli_w.dumps(DRILLS))
    first = fleet.cli("drill", "--scenario", "errors-up")
    # (FAILED for its recovery alone: this procedure has no stability check to time it)
    assert "outcome    expected rolled back and verified · actual rolled back and verified ✔" in (
        first.stdout
    ), first.stdout + first.stderr
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    first_id = fold(read_journal(journal).events).incident_id

    second = fleet.cli("drill", "--scenario", "errors-up")

    assert second.returncode == 1, second.stdout
    assert (
        "✘ outcome: expected rolled back and verified, got refused by a precheck on 2 hosts,"
        " nothing changed there (app-1, app-2: already rolled back to 1.10.0 (from 1.11.0,"
        f" incident {first_id}): previous would go further back; name the release (target))"
    ) in second.stdout, second.stdout
