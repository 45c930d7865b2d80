"""An `exec` that failed on some of its hosts closes its incident saying on how many of
them, and which: the journal's close, `list` and the document read from it. Seen on a
1,000-host sshd fleet: 33 of 250 hosts failed (exec's own last line said "33 of 250
host(s) did not succeed"), and the incident closed as "ad-hoc command failed on 250
host(s)", which `list` showed under it; 1 of 3 read "failed on 3 host(s)"."""

from __future__ import annotations

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from tests.test_cli_ssh import cli, config_dir, sshd_ssh


@pytest.mark.sshd
def test_a_partly_failed_exec_names_the_hosts_it_failed_on(sshd_server, tmp_path):
    server = sshd_server.server
    here = str(sshd_server.sandbox("exec-here"))
    hosts = [
        {"name": name, "address": "127.0.0.1", "port": server.port, "workdir": workdir}
        for name, workdir in [("web-1", here), ("web-2", f"{here}/gone"), ("web-3", here)]
    ]  # web-2's work directory does not exist: its command ends at `cd` (exit 97)
    inventory = {
        "ssh": sshd_ssh(sshd_server),
        "systems": [{"name": "web", "strategies": ["version-rollback"], "hosts": hosts}],
    }
    config = config_dir(tmp_path, inventory)
    state = tmp_path / "state"
    done = cli(
        "exec", "--config", str(config), "--systems", "web", "true", home=tmp_path, state=state
    )
    assert done.returncode == 1, done.stderr
    assert "exec: 1 of 3 host(s) did not succeed: 1 FAILED (web-2)" in done.stderr
    # its 97 is the console's own `cd`, said so (walked as a new user: "exit status 97")
    entered = f"exit status 97: its work directory {here}/gone could not be entered;"
    assert f"web-2: FAILED (non-zero exit): {entered} nothing of the command ran" in done.stderr
    (journal,) = (state / "incidents").glob("*/journal.jsonl")
    closed = read_journal(journal).events[-1]
    assert closed.kind == Kind.INCIDENT_CLOSED and closed.data.outcome == "failed"
    said = "ad-hoc command failed on 1 of 3 host(s): web-2"
    assert closed.data.reason == said
    listed = cli("list", "--config", str(config), home=tmp_path, state=state)
    assert listed.returncode == 0, listed.stderr
    assert f"\n  {said}\n" in listed.stdout
    document = cli("export", str(journal), home=tmp_path, state=state)
    assert said in document.stdout and "failed on 3 host(s)" not in document.stdout

    # a command's own 97, its last error line holding "cd" (rsync's change_dir): it ran in
    # its work directory, never 'could not be entered; nothing of the command ran'
    own = "echo 'rsync: change_dir \"/srv/cdn\" failed' >&2; exit 97"
    done = cli(
        "exec", "--config", str(config), "--systems", "web", "--hosts", "web-1", own,
        home=tmp_path, state=state,
    )  # fmt: skip
    assert "web-1: FAILED (non-zero exit): exit status 97" in done.stderr, done.stderr
    assert "could not be entered" not in done.stderr, done.stderr
