"""`verify` of many unknown hosts says what it sends and what it found in a few lines, as
`run` says its problem hosts. Walked on a README fleet of 200 real sshd hosts named like
`checkout-frontend-eu-west-1b-prod-002`: a `run` killed mid-wave left 64 hosts unknown,
and `verify` printed 128 lines on stdout, a `# host: verify of 'restore' ...` line and a
`host: verified: ...` line for each, every one of them the same finding. Now a line a host
up to five hosts, past them a line for the hosts alike (named in part: the record names
every one). Real sshd, a real `run` killed with SIGKILL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from tests.cli_fleet import Fleet, write_fleet
from tests.test_lost_mid_change import PROCEDURE, STRATEGIES, release_run
from tests.test_remote_lifetime import attempts_ended
from tests.test_verify_closed import close_and_quit

pytestmark = pytest.mark.sshd

HOSTS = tuple(f"checkout-frontend-eu-west-1{'abc'[n % 3]}-prod-{n:03d}" for n in range(1, 9))


def killed_mid_restart(sshd_server, tmp_path: Path) -> tuple[Fleet, Path]:
    """A `run` of HOSTS killed (SIGKILL) once every action switched its link, their
    restarts waiting: every host unknown; the fleet and the incident's directory, once the
    commands have ended on the hosts."""
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["release"], probes=[], hosts=HOSTS
    )
    uid, gid = sshd_server.account.uid, sshd_server.account.gid
    for sandbox in fleet.sandboxes.values():
        for version in ("1.10.0", "1.11.0"):
            (sandbox / "releases" / version).mkdir(parents=True)
            os.chown(sandbox / "releases" / version, uid, -1)
        os.chown(sandbox / "releases", uid, -1)
        (sandbox / "current").symlink_to("releases/1.11.0")
        os.lchown(sandbox / "current", uid, gid)
    journal = fleet.state / "incident"
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state)}
    run = subprocess.Popen(
        release_run(fleet, journal),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    try:
        links = [s / "current" for s in fleet.sandboxes.values()]
        for _ in range(1200):  # bounded, 120 s: every action switched its link; restarts wait
            if all(link.readlink() == Path("releases/1.10.0") for link in links):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the actions did not switch every link within 120 s")
        run.send_signal(signal.SIGKILL)
    finally:
        run.kill()
        run.wait(timeout=30)
    for sandbox in fleet.sandboxes.values():
        (sandbox / "go").touch()
    attempts_ended(sshd_server.account.name, journal / "journal.jsonl")
    events = read_journal(journal / "journal.jsonl").events
    sent = {e.where.host for e in events if e.kind == Kind.COMMAND_INTENT}
    assert sent == set(HOSTS), sent
    return fleet, journal


def test_verify_of_eight_unknown_hosts_says_them_in_two_lines(sshd_server, tmp_path: Path):
    fleet, journal = killed_mid_restart(sshd_server, tmp_path)
    verified = fleet.cli("verify", str(journal))
    said = verified.stdout + verified.stderr
    assert verified.returncode in (0, 1, 4), said  # its findings are not the point here
    sends, *found = verified.stdout.splitlines()
    # not a line a host (16 lines in all on main): the hosts alike a line, the "all" line
    # under a group to act on, and a host that a loaded machine let finish its restart
    # says its own output too
    assert len(found) < 6, verified.stdout
    assert sends.startswith("# 8 hosts (checkout-frontend-eu-west-1"), sends
    assert "+5 more): verify of 'restore'" in sends, sends
    # the verify's first line after each host's own workdir `cd`: alike on all 8
    assert "): link=current … (" in sends and "exit 97" not in sends, sends
    assert sends.endswith(" lines: --dry-run prints them)"), sends
    # the hosts alike a line (all 8 alike, unless a loaded machine cut a restart apart)
    found = [line for line in found if not line.startswith("  all ")]  # named whole
    found = [line for line in found if line.split(": ", 1)[0] not in HOSTS]  # own output
    counts = [re.match(r"(\d+) hosts? \(checkout-frontend-eu-west-1", line) for line in found]
    assert all(counts) and sum(int(m.group(1)) for m in counts if m) == 8, found


def test_every_host_of_a_finding_to_act_on_is_named_and_a_closed_incidents_note_is_not_one_line(
    sshd_server, tmp_path: Path
):
    """Walked on 200 real sshd hosts from `init`: `verify` of an open incident said
    `64 hosts (h0129, h0130, h0131 +61 more): verified: failed` and nothing named the
    other 61; of a closed one, stderr said every host's finding again on one line of
    17,831 characters (`verify: noted in incident ...: h0065: verified: failed (...);
    h0066: ...`). Now the hosts of a finding other than succeeded are named whole on the
    line under it, and the note's line says where the findings went, each said above."""
    fleet, journal = killed_mid_restart(sshd_server, tmp_path)
    close_and_quit(fleet, journal / "journal.jsonl")
    verified = fleet.cli("verify", str(journal), "--take-over-lock", "its console quit")
    assert verified.returncode in (0, 1, 4), verified.stdout + verified.stderr
    found = verified.stdout.splitlines()[1:]
    groups = [line for line in found if not line.startswith("  all ")]
    named = [line.removeprefix("  all ").split(": ", 1) for line in found if line not in groups]
    cut = [g for g in groups if " more): " in g]  # a group of a few hosts names them all
    to_act_on = [g for g in cut if not g.split("): ", 1)[1].startswith("verified: succeeded")]
    assert len(named) == len(to_act_on), found
    if to_act_on:  # named whole, as --hosts takes them
        assert sum(int(n) for n, _ in named) == sum(int(g.split()[0]) for g in to_act_on)
        assert {h for _, hosts in named for h in hosts.split(",")} <= set(HOSTS), named
    [note] = [line for line in verified.stderr.splitlines() if "noted in incident" in line]
    assert ": verify by hand, incident " in note, note
    assert note.endswith("what it found on 8 hosts (above); lock on app released"), note
    assert not any(host in note for host in HOSTS), note  # said above, a line each
    # the record keeps every host's finding, in the closed incident's note
    events = read_journal(journal / "journal.jsonl").events
    [text] = [e.data.text for e in events if e.kind == Kind.NOTE_ADDED and "by hand" in e.data.text]
    assert all(f"{host}: " in text for host in HOSTS), text
