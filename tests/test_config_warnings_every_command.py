"""What every command says of a configuration that names what is not there or not used:
a missing identity file, known_hosts or ssh_config file, a misspelt redacted variable,
ssh_config options the console ignores, and a keymap key another binding has."""

from __future__ import annotations

import os
import shutil

from console.cli import main
from console.paths import demo_config
from tests.console_process import console
from tests.keys_recorded import keys_recorded


def test_a_missing_identity_file_is_a_warning_every_command_says(tmp_path):
    """As OpenSSH does, a missing key file is skipped beside one that loads (or an
    ssh-agent): a warning naming the file and line, from check-config and from a dry run
    alike. With no other key, it is refused (tests/test_identity_file_missing_sshd.py)."""
    import asyncssh

    config = tmp_path / "config"
    # the demo's drills inject demo faults: errors anywhere but in the demo itself
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    key = tmp_path / "id_ed25519"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(key)
    key.chmod(0o600)
    inventory = config / "inventory.toml"
    entry = f'identity_files = ["no-such-key", "{key}"]'
    inventory.write_text(inventory.read_text().replace("[ssh]\n", f"[ssh]\n{entry}\n", 1))
    keys_recorded(config)
    line = inventory.read_text().splitlines().index(entry) + 1
    want = (
        f"warning: {inventory}:{line}: ssh.identity_files[0]: no-such-key: no such file;"
        " skipped (ssh-agent may hold the key)"
    )
    checked = console("check-config", str(config), cwd=tmp_path)
    assert checked.returncode == 0 and want in checked.stderr.splitlines(), checked.stderr
    assert checked.stdout.rstrip().endswith("1 warning")
    argv = ["run", "--config", str(config), "--systems", "web", "--strategy"]
    argv += ["version-rollback", "--trigger", "user-impact", "--reason", "r", "--yes"]
    dry = console(*argv, "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0 and want in dry.stderr.splitlines(), dry.stderr


def test_a_known_hosts_file_named_but_missing_is_a_warning_every_command_says(tmp_path):
    """A mistyped known_hosts path was accepted silently, and then every host of a run
    failed as unknown: a warning naming the file, line and key, and what follows."""
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    inventory = config / "inventory.toml"
    typo = tmp_path / "known_hostz"
    entry = f'known_hosts = "{typo}"'
    inventory.write_text(inventory.read_text().replace("[ssh]\n", f"[ssh]\n{entry}\n", 1))
    line = inventory.read_text().splitlines().index(entry) + 1
    want = (
        f"warning: {inventory}:{line}: ssh.known_hosts: {typo}: no such file: every host's"
        " key is unknown (exec, run and drill fail each host) until one is accepted (k in"
        " the system picker, or --accept-host-key), which creates it"
    )
    checked = console("check-config", str(config), cwd=tmp_path)
    assert checked.returncode == 0 and want in checked.stderr.splitlines(), checked.stderr
    argv = ["run", "--config", str(config), "--systems", "web", "--strategy"]
    argv += ["version-rollback", "--trigger", "user-impact", "--reason", "r", "--yes"]
    dry = console(*argv, "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0 and want in dry.stderr.splitlines(), dry.stderr


def test_a_redacted_variable_misspelt_is_a_warning_every_command_says(tmp_path):
    """`[redact] env = ["DEPLOY_TOKN"]` with $DEPLOY_TOKEN exported was accepted silently:
    the token it meant to mask would reach the journal and every export as it is. A name
    merely unset (nothing exported to mask) says nothing."""
    from tests.console_process import EXAMPLE_HOOK

    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    (config / "console.toml").write_text('[redact]\nenv = ["DEPLOY_TOKN"]\n')
    env = {**os.environ, **EXAMPLE_HOOK, "DEPLOY_TOKEN": "s3cret-token"}
    env.pop("DEPLOY_TOKN", None)
    want = (
        f"warning: {config / 'console.toml'}:2: redact.env[0]: $DEPLOY_TOKN is not set here,"
        " $DEPLOY_TOKEN is: its value would not be masked in the journal and exports (did you"
        " mean 'DEPLOY_TOKEN'?)"
    )
    checked = console("check-config", str(config), cwd=tmp_path, env=env)
    assert checked.returncode == 0 and want in checked.stderr.splitlines(), checked.stderr
    argv = ["run", "--config", str(config), "--systems", "web", "--strategy"]
    argv += ["version-rollback", "--trigger", "user-impact", "--reason", "r", "--yes"]
    dry = console(*argv, "--dry-run", cwd=tmp_path, env=env)
    assert dry.returncode == 0 and want in dry.stderr.splitlines(), dry.stderr
    env.pop("DEPLOY_TOKEN")
    quiet = console("check-config", str(config), cwd=tmp_path, env=env)
    assert "redact" not in quiet.stderr, quiet.stderr


def test_an_ssh_config_file_named_but_missing_is_an_error_every_command_says(tmp_path):
    """Seen on a real fleet (helper-101): `config_files = ["ssh_config"]`, read from the
    current directory, or a path mistyped, was skipped without a word: check-config said
    ok and every host went where no ssh_config says (no bastion, no HostName), though
    `ssh -F` refuses such a file. Now an error naming the line and the path looked at."""
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    inventory = config / "inventory.toml"
    setting = 'config_files = ["ssh_config", "~/.ssh/config"]'
    inventory.write_text(inventory.read_text().replace("[ssh]\n", f"[ssh]\n{setting}\n", 1))
    line = inventory.read_text().splitlines().index(setting) + 1
    want = (
        f"error: {inventory}:{line}: ssh.config_files[0]: {tmp_path / 'ssh_config'}: no such"
        " file; the hosts would be reached without it (ssh -F refuses it too)"
    )
    checked = console("check-config", str(config), cwd=tmp_path)
    assert checked.returncode == 2 and checked.stderr.splitlines() == [want], checked.stderr
    dry = console(
        "exec", "--config", str(config), "--systems", "web", "--dry-run", "true", cwd=tmp_path
    )
    assert dry.returncode == 2 and want in dry.stderr.splitlines(), dry.stderr
    assert "web-1" not in dry.stdout
    (tmp_path / "ssh_config").write_text("Host web-*\n    User deploy\n")
    assert console("check-config", str(config), cwd=tmp_path).returncode == 0


def test_ssh_config_options_the_console_does_not_use_are_warnings_naming_file_and_line(
    tmp_path,
):
    """README promises a warning for "an ssh_config option it ignores": only
    StrictHostKeyChecking had one. A host reached by ssh through a certificate, by its
    canonical name went elsewhere, or failed, unexplained (a mistyped HostName is refused,
    as ssh refuses it: tests/test_unroutable_refused_sshd). Options whose absence changes
    nothing the console does (Debian's SendEnv) stay quiet."""
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text(
        "Host web-1\n    CanonicalizeHostname yes\n    CertificateFile ~/.ssh/id-cert.pub\n"
        "Host web-*\n    SendEnv LANG LC_*\n    ControlMaster auto\n"
        "Host db-*\n    ForwardAgent yes\n"
    )
    inventory = config / "inventory.toml"
    setting = f'config_files = ["{ssh_config}"]'
    inventory.write_text(inventory.read_text().replace("[ssh]\n", f"[ssh]\n{setting}\n", 1))
    checked = console("check-config", str(config), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    warned = [line for line in checked.stderr.splitlines() if "ssh_config for" in line]
    assert warned == [
        f"warning: ssh_config for web-1: {ssh_config}:2: CanonicalizeHostname ignored: names"
        " are not canonicalized: set HostName (or the inventory's address)",
        f"warning: ssh_config for web-1: {ssh_config}:3: CertificateFile ignored: the console"
        " logs in with IdentityFile keys and the agent of $SSH_AUTH_SOCK only",
        f"warning: ssh_config for db-1, db-2: {ssh_config}:8: ForwardAgent ignored: the console"
        " never forwards the agent",
    ], checked.stderr
    dry = console("exec", "--config", str(config), "--systems", "db", "--dry-run", "true")
    assert f"  note: {ssh_config}:8: ForwardAgent ignored" in dry.stdout, dry.stdout


def test_a_keymap_key_another_binding_of_the_screen_has_is_refused(tmp_path, monkeypatch):
    """`"execution.retry" = "a"` was accepted: two bindings of the execution screen on one
    key, the abort and the retry, one of which never acts, with nothing said. check-config
    and the console refuse it, naming the line and both bindings; a key of its own is fine."""
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    entry = '"execution.retry" = "a"'
    (config / "console.toml").write_text(f"[keymap]\n{entry}\n")
    want = (
        f"error: {config / 'console.toml'}:2: keymap.execution.retry: 'a' is also the key of"
        " execution.abort on the same screen: one of the two would never act"
    )
    checked = console("check-config", str(config), cwd=tmp_path)
    assert checked.returncode == 2 and want in checked.stderr.splitlines(), checked.stderr
    from console.cli import launch

    def started(*args, **kwargs):
        raise AssertionError("the console started on a keymap it must refuse")

    monkeypatch.setattr(launch, "run_tui", started)
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(tmp_path / "state"))
    assert main(["--config", str(config)]) == 2
    (config / "console.toml").write_text('[keymap]\n"execution.retry" = "f9"\n')
    assert console("check-config", str(config), cwd=tmp_path).returncode == 0
