"""From the command line: where each host goes (dry runs), and host keys accepted
headless only with their exact fingerprint."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import tomli_w

from console.journal.store import read_journal
from console.model.events import Kind
from console.paths import example_config
from tests import sshd as _sshd
from tests.test_cli_run import cli as run_cli

SSH_CONFIG = """\
Host bastion-eu
  HostName 10.0.0.1
  Port 2200
  User ops
Host inner
  HostName 10.0.0.2
Host web-*
  User deploy
  ProxyJump bastion-eu
Host db-*
  ProxyCommand ssh -W %h:%p bastion-eu
  StrictHostKeyChecking no
Host loop-a
  ProxyJump loop-b
Host loop-b
  ProxyJump loop-a
"""


def cli(*args, home: Path, state: Path, timeout: float = 90):
    """The console as a user runs it, with `home` as $HOME and no ssh-agent."""
    return run_cli(*args, state_dir=state, timeout=timeout, HOME=str(home), SSH_AUTH_SOCK="")


def config_dir(tmp_path: Path, inventory: dict) -> Path:
    directory = tmp_path / "config"
    shutil.copytree(example_config(), directory)
    (directory / "console.toml").unlink()  # only the inventory matters here
    (directory / "inventory.toml").write_text(tomli_w.dumps(inventory))
    return directory


@pytest.fixture
def home(tmp_path) -> Path:
    path = tmp_path / "home"
    (path / ".ssh").mkdir(parents=True)
    (path / ".ssh" / "config").write_text(SSH_CONFIG)
    return path


def fleet(**ssh) -> dict:
    return {
        "ssh": {"config_files": ["~/.ssh/config"], **ssh},
        "systems": [
            {
                "name": "web",
                "strategies": ["version-rollback"],
                "hosts": [
                    {"name": "web-1", "address": "10.1.0.11"},
                    {"name": "web-2", "user": "root", "port": 2222},
                    {"name": "web-3", "jump_host": "inner"},
                ],
            },
            {
                "name": "db",
                "strategies": ["version-rollback"],
                "jump_host": "bastion-eu,inner",
                "hosts": [{"name": "db-1"}, {"name": "db-2", "jump_host": "none"}],
            },
        ],
    }


def test_exec_dry_run_prints_where_each_host_really_goes(tmp_path, home):
    directory = config_dir(tmp_path, fleet(user="fallback"))
    result = cli(
        "exec", "--dry-run", "--config", str(directory), "--systems", "web,db", "uptime",
        home=home, state=tmp_path / "state",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for expected in (
        "web-1: deploy@10.1.0.11:22 via bastion-eu (ops@10.0.0.1:2200)",
        "web-2: root@web-2:2222 via bastion-eu (ops@10.0.0.1:2200)",
        "web-3: deploy@web-3:22 via inner (fallback@10.0.0.2:22)",
        "db-1: fallback@db-1:22 via bastion-eu (ops@10.0.0.1:2200) → inner (fallback@10.0.0.2:22)",
        "db-2: fallback@db-2:22 via proxy command `ssh -W db-2:22 bastion-eu`",
        "  note: StrictHostKeyChecking no ignored: host keys are always checked",
    ):
        assert expected in lines, result.stdout
    assert "### web-1, web-2, web-3, db-1, db-2 run" in lines and "uptime" in lines
    assert "## Where each host goes (nothing is connected)" in lines
    assert lines[lines.index("## Where each host goes (nothing is connected)") + 1] == (
        "# resolved through ssh_config"
    )


def test_exec_dry_run_says_where_hosts_go_without_ssh_config(tmp_path, home):
    """With `use_ssh_config = false` the heading said 'resolved through ssh_config' over
    routes that read none (helper-156)."""
    directory = config_dir(tmp_path, fleet(user="fallback", use_ssh_config=False))
    result = cli(
        "exec", "--dry-run", "--config", str(directory), "--systems", "web", "uptime",
        home=home, state=tmp_path / "state",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    heading = "## Where each host goes (nothing is connected)"
    said = "# as inventory.toml says (use_ssh_config = false)"
    assert f"\n{heading}\n{said}\n" in result.stdout, result.stdout
    assert "web-1: fallback@10.1.0.11:22" in result.stdout, result.stdout
    assert not (tmp_path / "state").exists()  # nothing journalled, nothing connected


def test_run_dry_run_prints_the_routes_too(tmp_path, home):
    directory = config_dir(tmp_path, fleet())
    result = cli(
        "run", "--dry-run", "--config", str(directory), "--systems", "web",
        "--strategy", "version-rollback", "--param", "target=2.4.0",
        "--trigger", "user-impact", "--reason", "500s", "--yes",
        home=home, state=tmp_path / "state",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (
        "web-1: deploy@10.1.0.11:22 via bastion-eu (ops@10.0.0.1:2200)"
        in result.stdout.splitlines()
    )


def test_a_wave_of_many_hosts_is_said_in_lines_that_fit_80_columns(tmp_path, home):
    """Walked: `run --dry-run` named a wave's hosts on one line, 94 columns and more (the
    routes' heading too); a wave of 60 hosts was one line of 900."""
    inventory = fleet(use_ssh_config=False)
    web = [{"name": f"storefront-web-{n:02}", "address": f"10.1.0.{n}"} for n in range(1, 61)]
    inventory["systems"][0]["hosts"] = web
    directory = config_dir(tmp_path, inventory)
    result = cli(
        "run", "--dry-run", "--config", str(directory), "--systems", "web",
        "--strategy", "version-rollback", "--param", "target=2.4.0",
        "--trigger", "user-impact", "--reason", "500s",
        home=home, state=tmp_path / "state",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    said = [line for line in result.stdout.splitlines() if line.startswith("#")]
    assert max(len(line) for line in said) < 80, [line for line in said if len(line) >= 80]
    waves = "#   wave 1 of 2: storefront-web-01\n#   wave 2 of 2: storefront-web-02–storefront-web-60 (59 hosts)\n"
    assert waves in result.stdout, result.stdout
    assert "### 60 hosts: verify\n# storefront-web-01–storefront-web-60\n" in result.stdout


def test_a_route_that_cannot_be_followed_is_one_clear_line_and_exit_2(tmp_path, home):
    inventory = fleet()
    inventory["systems"][1]["hosts"].append({"name": "db-3", "jump_host": "loop-a"})
    directory = config_dir(tmp_path, inventory)
    result = cli(
        "exec", "--dry-run", "--config", str(directory), "--systems", "db", "true",
        home=home, state=tmp_path / "state",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == "error: db-3: ProxyJump loop: db-3 → loop-a → loop-b → loop-a"
    assert "Traceback" not in result.stderr


def fingerprint_of(public_key: Path) -> str:
    out = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(public_key)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    return out.split()[1]


def sshd_ssh(sshd_server) -> dict:
    """[ssh] for the one sshd of `sshd_server`: its account, its key and known_hosts."""
    return {
        "use_ssh_config": False,
        "user": sshd_server.server.user,
        "identity_files": [str(sshd_server.client_key)],
        "known_hosts": str(sshd_server.known_hosts),
    }


def exec_on_one_host(sshd_server, tmp_path: Path, address: str, known: Path) -> list[str]:
    """`exec` on system web: host web-1 at `address` on the sshd, `known` its known_hosts."""
    server = sshd_server.server
    inventory = {
        "ssh": {
            "use_ssh_config": False,
            "user": server.user,
            "identity_files": [str(sshd_server.client_key)],
            "known_hosts": str(known),
        },
        "systems": [
            {
                "name": "web",
                "hosts": [{"name": "web-1", "address": address, "port": server.port}],
            }
        ],
    }
    return ["exec", "--config", str(config_dir(tmp_path, inventory)), "--systems", "web"]


@pytest.mark.sshd
def test_accept_host_key_headless_needs_the_exact_fingerprint(sshd_server, tmp_path):
    server = sshd_server.server
    known = tmp_path / "known_hosts"
    base = exec_on_one_host(sshd_server, tmp_path, "127.0.0.1", known)
    home, state = tmp_path, tmp_path / "state"
    # check-config said nothing of a host whose key no known_hosts records: it says what
    # exec then does (and, once accepted below, nothing).
    checked = cli("check-config", base[2], home=home, state=state)
    assert checked.returncode == 0, checked.stderr
    warned = checked.stderr[checked.stderr.index("warning: web-1: no host key") :]
    assert warned.splitlines()[-1] == f"    ssh-keyscan -p {server.port} 127.0.0.1 >> {known}"
    assert all(len(x) <= 80 or str(known) in x for x in warned.splitlines()[:-1]), warned
    assert " ".join(warned.split()) == (
        f"warning: web-1: no host key recorded for it in {known}: exec, run and drill refuse it"
        " as unknown (the console's picker shows each fingerprint, k accepts it); fetch and"
        f" compare first (docs/quickstart.md, step 3): ssh-keyscan -p {server.port} 127.0.0.1"
        f" >> {known}"
    )

    unknown = cli(*base, "true", home=home, state=state)
    assert unknown.returncode == 1
    assert "host key unknown" in unknown.stderr and "it offers SHA256:" in unknown.stderr

    real = fingerprint_of(server.host_key_path.with_name("host_ed25519.pub"))
    other = fingerprint_of(sshd_server.client_key.with_name("client_ed25519.pub"))
    # Bad input: refused before any host is dialled, nothing recorded (exit status 2).
    before = set(state.rglob("journal.jsonl"))
    refused = cli(*base, "--accept-host-key", "web-1=SHA256:abc", "true", home=home, state=state)
    assert refused.returncode == 2, refused.stderr
    assert "expected the whole SHA256:... fingerprint" in refused.stderr
    assert set(state.rglob("journal.jsonl")) == before
    # The host, once dialled, offers another key: a host failure, on record (exit 1).
    refused = cli(*base, "--accept-host-key", f"web-1={other}", "true", home=home, state=state)
    assert refused.returncode == 1, refused.stderr
    assert (
        f"error: web-1: web-1 ([127.0.0.1]:{server.port}) offers {real}, not {other}, the key to"
        " accept: refused, nothing written or sent; compare the fingerprint with the host's"
        " owner again"
    ) in refused.stderr, refused.stderr
    (journal,) = set(state.rglob("journal.jsonl")) - before
    closed = read_journal(journal).events[-1]
    assert closed.kind == Kind.INCIDENT_CLOSED and closed.data.outcome == "failed"
    assert closed.data.reason.startswith(
        f"--accept-host-key refused: web-1: web-1 ([127.0.0.1]:{server.port}) offers"
    )
    assert not [e for e in read_journal(journal).events if e.kind == Kind.COMMAND_INTENT]
    assert not known.exists() or not known.read_text().strip()

    accepted = cli(*base, "--accept-host-key", f"web-1={real}", "id -un", home=home, state=state)
    assert accepted.returncode == 0, accepted.stderr
    assert f"web-1: {server.user}" in accepted.stdout
    assert f"accepted host key {real}" in accepted.stdout
    assert known.read_text().startswith(f"[127.0.0.1]:{server.port} ssh-ed25519 ")
    events = [e for j in state.rglob("journal.jsonl") for e in read_journal(j).events]
    (event,) = [e for e in events if e.kind == Kind.HOSTKEY_ACCEPTED]
    assert event.data.fingerprint == real and event.data.via == "--accept-host-key"
    again = cli("check-config", base[2], home=home, state=state)
    assert again.returncode == 0 and "no host key" not in again.stderr, again.stderr


def test_init_leaves_user_and_identity_files_to_ssh_config(tmp_path):
    """A fresh configuration must not hide the user's own ssh_config."""
    import tomllib

    text = (example_config() / "inventory.toml").read_text()
    ssh = tomllib.loads(text)["ssh"]
    assert "user" not in ssh and "identity_files" not in ssh
    assert "# user = " in text and "# identity_files = " in text


def test_init_writes_the_handshake_cap_the_console_defaults_to(tmp_path):
    """`rollback-console init` wrote `max_handshakes = 10` ("the console shares its event
    loop with SSH: 10 keeps the UI responsive"), stale since SSH I/O got a thread of its
    own: on a real sshd fleet of 1,000 hosts, headless `exec` took longer with it than with
    the default, and the console's screen stalled no less (bench/HISTORY.md,
    "max_handshakes: init's 10 or 50"). A new user's configuration gets the default (200
    since "The handshake cap on a slow jump host")."""
    import os
    import sys

    from console.model.inventory import SshDefaults
    from console.model.loading import load_settings

    directory = tmp_path / "config"
    done = subprocess.run(
        [sys.executable, "-m", "console", "init", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")},
    )
    assert done.returncode == 0, done.stderr
    written = load_settings(directory).inventory.ssh.max_handshakes
    assert written == SshDefaults().max_handshakes == 200
    assert "keeps the UI responsive" not in (directory / "inventory.toml").read_text()


def test_check_config_resolves_every_route_and_says_what_ssh_config_cannot_change(tmp_path, home):
    directory = config_dir(tmp_path, fleet())
    result = cli("check-config", str(directory), home=home, state=tmp_path / "state")
    assert result.returncode == 0, result.stderr
    said = [line for line in result.stderr.splitlines() if "[[systems.probes]]" not in line]
    # no known_hosts records a key: each fetched where it is reached from (a host behind a
    # jump host, on it: this machine may not reach it), recorded under its name here
    known = home / ".ssh/known_hosts"
    assert said[0] == (
        "warning: ssh_config for db-1, db-2: StrictHostKeyChecking no ignored:"
        " host keys are always checked"
    )
    # Folded at 80 columns (but the path, whole), then a command a line, to paste.
    words, scans = said[1:-5], said[-5:]
    assert " ".join(" ".join(words).split()) == (
        "warning: web-1's jump host bastion-eu, web-1, web-2, web-3's jump host inner, web-3"
        f" and 3 more: no host key recorded for them in {known}: exec, run and drill refuse"
        " them as unknown (the console's picker shows each fingerprint, k accepts it); fetch"
        " and compare first (docs/quickstart.md, step 3):"
    )
    assert all(len(line) <= 80 or str(known) in line for line in words), words
    assert scans == [
        f"    ssh-keyscan -p 2200 10.0.0.1 >> {known}",
        f"    ssh bastion-eu ssh-keyscan 10.1.0.11 >> {known}",
        f"    ssh bastion-eu ssh-keyscan -p 2222 web-2 >> {known}",
        f"    ssh-keyscan 10.0.0.2 >> {known}",
        f"    ssh inner ssh-keyscan web-3 >> {known}",
    ]
    assert ", 4 warnings" in result.stdout  # and web and db have no probes
    inventory = fleet()
    inventory["systems"][1]["hosts"].append({"name": "db-3", "jump_host": "loop-a"})
    directory = config_dir(tmp_path / "looping", inventory)
    result = cli("check-config", str(directory), home=home, state=tmp_path / "state")
    assert result.returncode == 2
    assert "error: db-3: ProxyJump loop: db-3 → loop-a → loop-b → loop-a" in result.stderr


def ssh_answers(server, client_key: Path, known: Path, host: str) -> int:
    """What OpenSSH's own `ssh` says of `host` with the same known_hosts: its exit status."""
    return subprocess.run(
        [
            *("ssh", "-F", "/dev/null", "-i", str(client_key), "-p", str(server.port)),
            *("-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"),
            *("-o", f"UserKnownHostsFile={known}", "-o", "GlobalKnownHostsFile=/dev/null"),
            f"{server.user}@{host}",
            "true",
        ],
        capture_output=True,
        timeout=30,
    ).returncode


@pytest.mark.sshd
def test_a_host_given_by_name_is_trusted_as_ssh_trusts_it_not_by_its_address(sshd_server, tmp_path):
    """Inventory host `localhost`, known_hosts with `[127.0.0.1]:PORT` only: ssh (CheckHostIP
    no) says the host is unknown, and so does the console, naming the entry it has (asyncssh
    alone took the address's entry). Accepted, the key is recorded as ssh looks it up."""
    server = sshd_server.server
    known = tmp_path / "known_hosts"
    known.write_text(server.known_hosts_line() + "\n")
    base = exec_on_one_host(sshd_server, tmp_path, "localhost", known)
    home, state = tmp_path, tmp_path / "state"
    name = f"[localhost]:{server.port}"

    assert ssh_answers(server, sshd_server.client_key, known, "localhost") == 255
    unknown = cli(*base, "true", home=home, state=state)
    assert unknown.returncode == 1 and "Traceback" not in unknown.stderr
    real = fingerprint_of(server.host_key_path.with_name("host_ed25519.pub"))
    said = unknown.stderr + unknown.stdout
    assert f"web-1: FAILED (host key unknown): {name} is not in {known}" in said
    assert (
        f"; it offers {real} (that key is recorded for [127.0.0.1]:{server.port}, not {name}:"
        " ssh, and the console, look a key up by the host's name as given);"
        f" once its owner confirms that fingerprint: --accept-host-key web-1={real}\n"
    ) in said

    accepted = cli(*base, "--accept-host-key", f"web-1={real}", "true", home=home, state=state)
    assert accepted.returncode == 0, accepted.stderr
    assert known.read_text().splitlines()[-1].startswith(f"{name} ssh-ed25519 ")
    assert ssh_answers(server, sshd_server.client_key, known, "localhost") == 0

    known.write_text("")  # no entry at all: unknown, not an internal error
    nothing = cli(*base, "true", home=home, state=state)
    said = nothing.stderr + nothing.stdout
    assert nothing.returncode == 1 and f"{name} is not in {known}" in said
    assert f"; it offers {real}; once its owner confirms" in said
    assert "internal error" not in said


@pytest.mark.sshd
def test_a_changed_host_key_is_refused_naming_the_line_that_records_the_old_one(
    sshd_server, tmp_path
):
    """Seen on a real fleet: a re-keyed host was refused with every known_hosts file
    listed and no word of which line held the old key. OpenSSH names it ("Offending key
    in FILE:LINE"); so does the console, with the old and the new fingerprint and how a
    confirmed re-key is trusted again, and it logs in nowhere."""
    server = sshd_server.server
    known = tmp_path / "known_hosts"
    other = sshd_server.client_public_key.split()[:2]  # any other ed25519 key
    known.write_text(f"# team hosts\nmonitor ssh-ed25519 {other[1]}\n")
    with known.open("a") as handle:
        handle.write(f"[127.0.0.1]:{server.port} {other[0]} {other[1]}\n")
    base = exec_on_one_host(sshd_server, tmp_path, "127.0.0.1", known)
    home, state = tmp_path, tmp_path / "state"

    changed = cli(*base, "true", home=home, state=state)
    said = changed.stderr + changed.stdout
    assert changed.returncode == 1, said
    real = fingerprint_of(server.host_key_path.with_name("host_ed25519.pub"))
    old = fingerprint_of(sshd_server.client_key.with_name("client_ed25519.pub"))
    name = f"[127.0.0.1]:{server.port}"
    assert (
        f"web-1: FAILED (host key mismatch): host key for {name} has CHANGED: it offers {real}"
        f" where {known}:3 records {old} — refused, nothing sent; if its owner confirms the"
        f" host was re-keyed: ssh-keygen -R '{name}' -f {known}\n"
    ) in said
    assert server.accepted_connections() == 0

    # Refused from known_hosts alone, before any host is dialled: bad input, exit status
    # 2, nothing recorded (it recorded a closed 'refused' incident).
    before = set(state.rglob("journal.jsonl"))
    accept = cli(*base, "--accept-host-key", f"web-1={real}", "true", home=home, state=state)
    assert accept.returncode == 2
    assert accept.stderr == (
        f"error: web-1: {real} is not the key known for {name}: {known}:3 records {old}; a"
        " known key is never replaced: refused, nothing sent; if its owner confirms the host"
        f" was re-keyed: ssh-keygen -R '{name}' -f {known}, then accept the new key\n"
    )
    assert server.accepted_connections() == 0
    assert set(state.rglob("journal.jsonl")) == before


@pytest.mark.sshd
def test_an_unknown_host_key_headless_says_how_to_accept_it(sshd_server, tmp_path):
    """Seen on a real fleet: exec named the unknown key's fingerprint but not the option
    that accepts it; the line now gives it whole, to use once the owner confirms it."""
    server = sshd_server.server
    base = exec_on_one_host(sshd_server, tmp_path, "127.0.0.1", tmp_path / "known_hosts")
    unknown = cli(*base, "true", home=tmp_path, state=tmp_path / "state")
    real = fingerprint_of(server.host_key_path.with_name("host_ed25519.pub"))
    assert unknown.returncode == 1
    assert (
        f"; it offers {real}; once its owner confirms that fingerprint:"
        f" --accept-host-key web-1={real}\n"
    ) in unknown.stderr
    assert server.accepted_connections() == 0


@pytest.mark.sshd
def test_run_says_how_to_accept_an_unknown_host_key(sshd_server, tmp_path):
    """Walked on a real fleet: `run` failed its first step on a host whose key was unknown
    and its last lines named the fingerprint, but not the option that accepts it, which
    exec's line gives whole (and docs/quickstart.md step 3 promises)."""
    server = sshd_server.server
    base = exec_on_one_host(sshd_server, tmp_path, "127.0.0.1", tmp_path / "known_hosts")
    config = Path(base[2])
    inventory = tomllib.loads((config / "inventory.toml").read_text())
    inventory["systems"][0]["strategies"] = ["version-rollback"]
    (config / "inventory.toml").write_text(tomli_w.dumps(inventory))
    ran = cli(
        "run", "--config", str(config), "--systems", "web", "--strategy", "version-rollback",
        "--trigger", "user-impact", "--reason", "key test", "--yes",
        home=tmp_path, state=tmp_path / "state",
    )  # fmt: skip
    real = fingerprint_of(server.host_key_path.with_name("host_ed25519.pub"))
    assert ran.returncode == 1, ran.stdout + ran.stderr
    [line] = [x for x in ran.stdout.splitlines() if x.startswith("  web-1: failed at ")]
    assert "host key unknown" in line, line
    assert line.endswith(
        f"; once its owner confirms that fingerprint: --accept-host-key web-1={real}"
    ), line
    assert server.accepted_connections() == 0


@pytest.mark.sshd
def test_a_refused_login_says_authentication_failed_once(sshd_server, tmp_path):
    """Seen on a real fleet: 'shop-23: FAILED (authentication failed): authentication
    failed: Permission denied for user h77nobody on host 127.0.77.123'."""
    known = sshd_server.known_hosts
    base = exec_on_one_host(sshd_server, tmp_path, "127.0.0.1", known)
    inventory = tmp_path / "config" / "inventory.toml"
    inventory.write_text(inventory.read_text().replace(sshd_server.server.user, "nobody-here"))
    refused = cli(*base, "true", home=tmp_path, state=tmp_path / "state")
    assert refused.returncode == 1
    # and which keys it offered (seen on a real fleet: which key was wrong was left to guess)
    assert refused.stderr == (
        "web-1: FAILED (authentication failed): Permission denied for user nobody-here on host"
        f" 127.0.0.1; keys offered: ~/{sshd_server.client_key.relative_to(tmp_path)}; no ssh-agent"
        " ($SSH_AUTH_SOCK unset)\n"
    )


@pytest.mark.sshd
def test_a_name_that_does_not_resolve_is_named(sshd_server, tmp_path):
    """Walked with an address typed wrong: 'FAILED (unreachable): name does not resolve:
    Name or service not known', which name not said (.invalid never resolves: RFC 6761)."""
    base = exec_on_one_host(sshd_server, tmp_path, "web-one.invalid", sshd_server.known_hosts)
    failed = cli(*base, "true", home=tmp_path, state=tmp_path / "state")
    assert failed.returncode == 1
    assert failed.stderr.startswith(
        "web-1: FAILED (unreachable): name web-one.invalid does not resolve: "
    ), failed.stderr


@pytest.mark.sshd
def test_a_workdir_under_the_login_s_home_written_with_a_tilde_runs_there(sshd_server, tmp_path):
    """Walked with workdir = "~/storefront": check-config took it, and every host failed
    'cd: can't cd to ~/storefront' (exit 97): the `~` went quoted, a directory named so."""
    server = sshd_server.server
    there = _sshd.account_dir(sshd_server.account, "store front")
    inventory = {
        "ssh": sshd_ssh(sshd_server),
        "systems": [
            {
                "name": "web",
                "workdir": f"~/{there.name}",
                "hosts": [{"name": "web-1", "address": "127.0.0.1", "port": server.port}],
            }
        ],
    }
    base = ["exec", "--config", str(config_dir(tmp_path, inventory)), "--systems", "web"]
    home, state = tmp_path, tmp_path / "state"
    dry = cli(*base, "--dry-run", "pwd", home=home, state=state)
    assert f"cd -- ~/'{there.name}' || exit 97\npwd\n" in dry.stdout, dry.stdout
    ran = cli(*base, "pwd", home=home, state=state)
    assert ran.returncode == 0 and ran.stdout == f"web-1: {there}\n", ran.stderr


@pytest.mark.sshd
def test_the_ssh_keygen_a_changed_key_names_works_as_pasted(sshd_server, tmp_path):
    """The `ssh-keygen -R` of a changed key's refusal, pasted into a shell as printed,
    removes the old line, also from a known_hosts whose path holds a space (it was
    printed unquoted: ssh-keygen read `-f /tmp/team` and a stray argument)."""
    server = sshd_server.server
    known = tmp_path / "team hosts" / "known_hosts"
    known.parent.mkdir()
    other = sshd_server.client_public_key.split()[:2]
    known.write_text(f"[127.0.0.1]:{server.port} {other[0]} {other[1]}\n")
    base = exec_on_one_host(sshd_server, tmp_path, "127.0.0.1", known)

    changed = cli(*base, "true", home=tmp_path, state=tmp_path / "state")

    said = changed.stderr + changed.stdout
    command = said.split("if its owner confirms the host was re-keyed: ", 1)[1].splitlines()[0]
    assert command.startswith("ssh-keygen -R "), said
    done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert known.read_text() == "", known.read_text()


@pytest.mark.sshd
def test_accept_host_key_on_a_read_only_known_hosts_is_refused_in_one_line(sshd_server, tmp_path):
    """known_hosts on a filesystem gone read-only: `--accept-host-key` with the right
    fingerprint ended 'error: internal error: OSError: [Errno 30] Read-only file system
    (a bug ...)'; it is refused in one line, nothing written or run, the incident closed
    as refused."""
    server = sshd_server.server
    disk = tmp_path / "ssh"
    disk.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(disk)]
    if subprocess.run(mount, capture_output=True).returncode:
        pytest.skip("no tmpfs to make read-only here")
    try:
        known = disk / "known_hosts"
        known.write_text("")
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True, timeout=30)
        base = exec_on_one_host(sshd_server, tmp_path, "127.0.0.1", known)
        state = tmp_path / "state"
        real = fingerprint_of(server.host_key_path.with_name("host_ed25519.pub"))
        done = cli(*base, "--accept-host-key", f"web-1={real}", "true", home=tmp_path, state=state)
        assert done.returncode == 2, done.stderr
        errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        assert errors == [
            f"error: {known} cannot be written (Read-only file system): the key of web-1"
            f" ([127.0.0.1]:{server.port}) is not accepted, nothing written or sent"
        ], done.stderr
        assert "internal error" not in done.stderr and "Traceback" not in done.stderr
        (journal,) = state.rglob("journal.jsonl")
        events = read_journal(journal).events
        assert not [e for e in events if e.kind == Kind.COMMAND_INTENT]
        assert events[-1].kind == Kind.INCIDENT_CLOSED and events[-1].data.outcome == "refused"
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], capture_output=True)
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
