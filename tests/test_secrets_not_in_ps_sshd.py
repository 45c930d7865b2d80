"""A secret parameter never shows in `ps` on the jump host: every account there reads a
process's arguments, so a command the console starts on the jump host (a strategy with
`runs_on = "jump-host"`) gets its script through its environment, readable by this
account alone, and its arguments show the attempt's tag only (what finds it after a
crash)."""

from __future__ import annotations

import pytest

from tests.cli_fleet import FLAG_PROCEDURE, write_fleet

pytestmark = pytest.mark.sshd

SECRET = "tok'3n $HOME zq7-Secret"
TOKEN_ENV = "RB_TEST_DEPLOY_TOKEN"
# Every process of the command's own group, as `ps` shows it to any account.
LIST_GROUP = (
    'g=$(ps -o pgid= -p $$ | tr -d " "); ps -e -o pgid= -o args= | awk -v g="$g" \'$1 == g\''
)


def test_a_jump_host_command_shows_no_secret_in_its_arguments(sshd_server, tmp_path):
    seen, got, env = (tmp_path / n for n in ("ps.txt", "got.txt", "env.txt"))
    strategy = {
        "name": "set-token",
        "kind": "custom",
        "runs_on": "jump-host",
        "params": [{"name": "token", "required": True}],
        "commands": {
            "action": f"printf '%s' {{{{token}}}} > {got}; {LIST_GROUP} >> {seen}; env > {env}",
            "verify": "true",
        },
    }
    files = {
        "strategies.toml": {"strategies": [strategy]},
        "procedure.toml": FLAG_PROCEDURE,
        "console.toml": {"redact": {"env": [TOKEN_ENV]}},
    }
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["set-token"], probes=[], env={TOKEN_ENV: SECRET}
    )
    done = fleet.cli(
        "run", "--systems", "app", "--strategy", "set-token", "--param", f"token={SECRET}",
        "--trigger", "stakeholder-decision", "--reason", "rotate", "--yes",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert got.read_text() == SECRET  # the command got the real value
    listed = seen.read_text()
    assert listed.count("rollback-attempt=") >= 2, listed  # each host's wrapper, tagged
    assert "zq7-Secret" not in listed, listed
    assert "ROLLBACK_CONSOLE_SCRIPT" not in env.read_text()  # not handed on further
