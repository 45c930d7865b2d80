"""A secret strategy parameter given from the environment, not the command line: on a
real OpenSSH fleet, `run --param-env token=DEPLOY_TOKEN` sends the variable's value to the
hosts and masks it in every record, as `[redact] env` would; nothing of it is in the
console's own arguments, which every account on the jump host reads (ps)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_fleet import write_fleet
from tests.test_channel_headers_sshd import procedure
from tests.test_secrets_sshd import SECRET as TOKEN
from tests.test_secrets_sshd import STRATEGIES

pytestmark = pytest.mark.sshd

RUN = (
    *("run", "--systems", "app", "--strategy", "set-token", "--trigger", "user-impact"),
    *("--reason", "checkout broken", "--yes", "--outcome", "unverified:no probes here"),
)


def test_a_parameter_from_the_environment_reaches_the_hosts_and_no_record(
    sshd_server, tmp_path: Path
):
    """README's way was `run --param token=$TOKEN`: the token then stood in the console's
    command line (`ps -ef` on the jump host, any account) for the whole run, and in the
    journal unless [redact] named it too. On main `--param-env` was refused."""
    files = {"strategies.toml": STRATEGIES, "procedure.toml": procedure("http://127.0.0.1:9/x")}
    env = {"DEPLOY_TOKEN": TOKEN}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["set-token"], probes=[], env=env)
    done = fleet.cli(*RUN, "--param-env", "token=DEPLOY_TOKEN")
    said = done.stdout + done.stderr
    assert "finished step “Restore the release”: done (2 succeeded)" in said, said
    assert fleet.written("token.out") == {"app-1": TOKEN, "app-2": TOKEN}
    incident = next(fleet.state.rglob("journal.jsonl")).parent
    records = [said, *(p.read_text() for p in incident.iterdir() if p.is_file())]
    assert not [r for r in records if TOKEN in r]
    assert "«redacted»" in (incident / "journal.jsonl").read_text()
    exported = fleet.cli("export", str(incident / "journal.jsonl"), "--format", "markdown")
    assert exported.returncode == 0 and TOKEN not in exported.stdout


@pytest.mark.parametrize(
    ("given", "refused"),
    [
        (
            ("--param-env", "token=NOT_SET_HERE"),
            "--param-env token=NOT_SET_HERE: $NOT_SET_HERE is not set here",
        ),
        (("--param-env", "token"), "--param-env 'token': expected NAME=VARIABLE"),
        (
            ("--param", "token=x", "--param-env", "token=DEPLOY_TOKEN"),
            "--param token is given twice (--param-env too): give it once",
        ),
    ],
)
def test_a_parameter_from_the_environment_that_cannot_be_read_is_refused(
    sshd_server, tmp_path: Path, given: tuple[str, ...], refused: str
):
    files = {"strategies.toml": STRATEGIES, "procedure.toml": procedure("http://127.0.0.1:9/x")}
    fleet = write_fleet(
        sshd_server,
        tmp_path,
        files,
        strategies=["set-token"],
        probes=[],
        env={"DEPLOY_TOKEN": TOKEN},
    )
    done = fleet.cli(*RUN, *given)
    assert (done.returncode, done.stderr) == (2, f"error: {refused}\n"), done.stderr
    assert not list(fleet.state.rglob("journal.jsonl"))
