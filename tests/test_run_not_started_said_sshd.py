"""A headless `run` whose step before the rollback fails says that nothing was rolled
back, and what to do. Walked from the README on a real sshd fleet: `run --systems api`
with one host refusing the connection ended 'FAILED: “Halt current delivery process”
failed (1 failed, 1 succeeded)', nothing saying whether the rollback had run, though
`run --help` promises last lines that say why and how to go on."""

from __future__ import annotations

import pytest

from tests.cli_fleet import write_fleet

pytestmark = pytest.mark.sshd

PROCEDURE = {
    "name": "Rollback",
    "phases": [
        {"phase": "immediate", "steps": [{"id": "bridge", "title": "Bridge", "kind": "manual"}]},
        {
            "phase": "execution",
            "steps": [
                # a host whose delivery cannot be halted: its pipeline's lock is not writable
                {"id": "halt", "title": "Halt delivery", "kind": "command"}
                | {"command": "test ! -e halt-broken && touch deploy.lock"},
                {"id": "restore", "title": "Restore previous version", "kind": "strategy"},
            ],
        },
        {
            "phase": "post",
            "steps": [{"id": "doc", "title": "Document", "kind": "form", "fields": ["reason"]}],
        },
    ],
}
STRATEGIES = {
    "strategies": [{"name": "flip", "kind": "custom", "commands": {"action": "touch flipped"}}]
}


def test_a_run_stopped_before_its_rollback_says_nothing_was_rolled_back(sshd_server, tmp_path):
    files = {"procedure.toml": PROCEDURE, "strategies.toml": STRATEGIES}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    (fleet.sandboxes["app-2"] / "halt-broken").write_text("")
    ran = fleet.cli(
        "run", "--systems", "app", "--trigger", "user-impact", "--reason", "checkout errors",
        "--yes",
    )  # fmt: skip
    assert ran.returncode == 1, ran.stdout + ran.stderr
    last = ran.stdout.splitlines()[-2:]
    assert last[0] == (
        "nothing was rolled back: “Restore previous version” was not started, “Halt delivery”"
        " having failed before it; once that is fixed, run again"
    ), ran.stdout
    assert "FAILED: “Halt delivery” failed (1 failed, 1 succeeded)" in last[1], last
    assert not any((s / "flipped").exists() for s in fleet.sandboxes.values())  # as said


def test_a_run_stopped_after_one_rollback_step_does_not_say_nothing_was_rolled_back(
    sshd_server, tmp_path
):
    """Seen (the reviewer, the example on a real sshd fleet with a smoke test and a second
    strategy step after its restore): both hosts rolled back to 1.0, the smoke test failed,
    and the last lines read 'nothing was rolled back: “Restore the configuration” was not
    started, “Smoke test the old release” having failed before it; once that is fixed, run
    again'. What ran before is said, not denied, and no run again is offered over it."""
    procedure = {
        **PROCEDURE,
        "phases": [
            PROCEDURE["phases"][0],
            {
                "phase": "execution",
                "steps": [
                    {"id": "restore", "title": "Restore previous version", "kind": "strategy"},
                    {"id": "smoke", "title": "Smoke test", "kind": "command"}
                    | {"command": "echo smoke failed >&2; exit 1"},
                    {"id": "config", "title": "Restore the configuration", "kind": "strategy"}
                    | {"strategy": "flip"},
                ],
            },
            PROCEDURE["phases"][2],
        ],
    }
    files = {"procedure.toml": procedure, "strategies.toml": STRATEGIES}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    ran = fleet.cli(
        "run", "--systems", "app", "--trigger", "user-impact", "--reason", "checkout errors",
        "--yes",
    )  # fmt: skip
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert all((s / "flipped").exists() for s in fleet.sandboxes.values())  # it ran
    assert "nothing was rolled back" not in ran.stdout and "run again" not in ran.stdout
    assert (
        "\n“Restore the configuration” was not started, “Smoke test” having failed before it,"
        " after “Restore previous version” had run\n" in ran.stdout
    ), ran.stdout
