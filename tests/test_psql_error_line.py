"""What a failed psql says, as the reason (real sshd, real PostgreSQL). psql ends an error
with the statement it points into: `ERROR:  relation "x" does not exist`, `LINE 1: ...`,
then a `^` under the spot. The last stderr line was taken as the reason, so a probe whose
table a restore had dropped was 'not read, db-1: exit 1: ^', and so closed the incident
('rolled back, not verified: ... exit 1:                ^', walked after a WAL replay to
a restore point); a command's failure line was the caret too."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from console.journal.store import read_journal
from console.model.state import fold
from tests import pgrig
from tests import test_presets_postgres as recovery

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]

host, cluster = pgrig.host, pgrig.cluster  # fixtures

ERROR = 'ERROR:  relation "drill_orders" does not exist'


def test_a_psql_error_is_said_by_its_error_line_not_the_caret(host, cluster, tmp_path):
    config = recovery.configure(host, cluster, tmp_path)
    psql = f"{cluster.bindir}/psql -h 127.0.0.1 -p {cluster.port} -XAtq -d postgres"
    query = f"{psql} -c 'SELECT count(*) FROM drill_orders WHERE total = 0'"
    inventory = config / "inventory.toml"
    inventory.write_text(
        inventory.read_text()
        + f'\n[[systems.probes]]\nname = "zeroed"\nkind = "command"\nthreshold = 0\n'
        f"command = {json.dumps(query)}\n"
    )
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    argv = [sys.executable, "-m", "console", "--config", str(config)]

    probe = subprocess.run([*argv, "probe"], capture_output=True, text=True, env=env, timeout=60)
    [row] = [line for line in probe.stdout.splitlines() if line.startswith("db/zeroed")]
    assert row.rstrip().endswith(f"db-1: exit 1: {ERROR}"), probe.stdout + probe.stderr

    done = subprocess.run(
        [*argv, "exec", "--systems", "db", query],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    [journal] = (tmp_path / "state").glob("**/journal.jsonl")
    [step] = fold(read_journal(journal).events).steps.values()
    assert step.hosts["db-1"].last_error == ERROR
