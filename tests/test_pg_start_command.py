"""A PostgreSQL restore whose cluster starts through a `start` command of its own, as
Debian's pg_ctlcluster does (docs/strategies.md), on a real cluster over real sshd. Its
start failed mid-restore and the host's lines read "its log ends:" then "tail: cannot
open '...rollback-<incident>.log'": the server logs where that command sends it. Then the
undo put the data directory from before back and failed to start it, and its last line
(the one the document's Failures section and the run's summary keep) was tail's again:
nothing said the data from before was back in place."""

from __future__ import annotations

import pytest

from console.journal.export.markdown import render_markdown
from tests import pgrig
from tests import test_presets_postgres as recovery
from tests.pgrig import run_console, undo

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]

host, cluster = pgrig.host, pgrig.cluster  # fixtures


async def test_a_failed_start_command_says_what_failed_and_where_the_data_is(
    host, cluster, tmp_path
):
    cluster.sql(recovery.ORDERS)
    cluster.basebackup("nightly")
    cluster.sql("DELETE FROM orders WHERE id > 1")
    config = recovery.configure(host, cluster, tmp_path)
    broken = cluster.root / "start-refused"  # while it exists, the start command fails
    start = (
        f"test ! -e {broken} && {cluster.bindir}/pg_ctl -D {cluster.pgdata}"
        f" -l {cluster.root}/custom.log -w start"
    )
    strategies = config / "strategies.toml"
    strategies.write_text(
        strategies.read_text().replace(
            '  { name = "tables", default = "orders,customers" },\n',
            f'  {{ name = "tables", default = "orders,customers" }},\n  {{ name = "start", default = \'{start}\' }},\n',
            1,  # the restore's
        )
    )
    broken.touch()

    outcome = run_console(config, tmp_path / "state", "restore")

    assert outcome.returncode == 1 and outcome.failed_stage() == "action", outcome.stdout
    assert "tail: cannot open" not in outcome.stdout, outcome.stdout
    assert (
        "! the cluster did not start: the start command "
        f"'{start}' exited 1 (the server logs where the start command sends it)"
    ) in outcome.stdout, outcome.stdout
    assert not cluster.running()

    ok, state = await undo(config, tmp_path / "state" / "incident-restore")

    assert not ok
    undone = f"{cluster.pgdata}.undone-{outcome.incident}"
    last = state.step("restore.undo").hosts["db-1"].last_error
    assert last == (
        f"the data directory from before this incident's restore is back in {cluster.pgdata}"
        f" (the restored one is kept at {undone}), but the cluster did not start (the server"
        " logs where the start command sends it): start it, then check its data"
    ), last
    document = render_markdown(list(state_events(tmp_path)))
    failures = document.split("### db-1 · Undo: Restore the data")[1].split("\n## ")[0]
    assert "is back in " in failures and "tail: cannot open" not in failures, failures

    # what it says: the data from before the restore is in place once started
    broken.unlink()
    cluster.start()
    assert recovery.ids(cluster) == [1]


def state_events(tmp_path):
    from console.journal.store import read_journal

    return read_journal(tmp_path / "state" / "incident-restore").events
