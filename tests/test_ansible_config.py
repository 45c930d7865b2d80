"""Ansible inventories from the configuration: read at load, reported by check-config,
converted once by import-ansible; and a rollback's hosts reached as Ansible reaches them."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest
import tomli_w

from console.model.loading import load_inventory, load_settings
from console.model.problems import ConfigError
from console.paths import example_config
from tests import sshd as sshd_mod
from tests.keys_recorded import keys_recorded
from tests.test_cli_run import cli as run_cli

CORPUS = Path(__file__).parent / "ansible"


def cli(*args, tmp_path: Path):
    return run_cli(*args, state_dir=tmp_path / "state", HOME=str(tmp_path), SSH_AUTH_SOCK="")


def keys_named(tmp_path: Path) -> None:
    """The keys the corpus names (~/.ssh/db_key, keys/db_ed25519 of the copy in
    `tmp_path`): a host left no key that loads is refused (tests/test_identity_file_missing_sshd)."""
    import asyncssh

    for key in (tmp_path / ".ssh" / "db_key", tmp_path / "ansible" / "ini" / "keys" / "db_ed25519"):
        key.parent.mkdir(parents=True, exist_ok=True)
        asyncssh.generate_private_key("ssh-ed25519").write_private_key(key)
        key.chmod(0o600)


def config_with(tmp_path: Path, systems: list[dict], ssh: dict | None = None) -> Path:
    directory = tmp_path / "config"
    shutil.copytree(example_config(), directory)
    (directory / "console.toml").unlink()
    systems = [{"strategies": ["version-rollback"], **s} for s in systems]  # a valid one
    inventory = {"ssh": ssh or {"use_ssh_config": False}, "systems": systems}
    (directory / "inventory.toml").write_text(tomli_w.dumps(inventory))
    return directory


def warnings_of(directory: Path, tmp_path: Path):
    """check-config's warnings of `directory` (it passes), but the missing probes'; and
    its result."""
    keys_recorded(directory)
    result = cli("check-config", str(directory), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    said = [line for line in result.stderr.splitlines() if "[[systems.probes]]" not in line]
    return said, result


def test_a_system_reads_its_hosts_from_an_ansible_group_at_load(tmp_path):
    shutil.copytree(CORPUS, tmp_path / "ansible")
    keys_named(tmp_path)
    directory = config_with(
        tmp_path,
        [
            {"name": "web", "ansible": {"inventory": "../ansible/ini/hosts.ini", "group": "web"}},
            {
                "name": "db",
                "ansible": {"inventory": "../ansible/yaml/inventory.yml", "group": "db"},
            },
        ],
    )
    settings = load_settings(directory)
    web = settings.inventory.system("web")
    assert len(web.hosts) == 14 and web.hosts[0].name == "web01.eu.example.com"
    edge = settings.inventory.host("edge-1")
    assert (edge.ssh_alias, edge.port, edge.jump_host) == ("10.0.0.9", 2222, "ops@canary-jump:2022")
    assert edge.tags == ["canary", "eu", "pci", "prod"]
    replica = settings.inventory.host("pg-r2")
    assert replica.proxy_command == "ssh -W %h:%p -q ops@jump-us"
    assert settings.warnings == []

    result = cli("check-config", str(directory), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2 systems, 19 hosts" in result.stdout


def test_check_config_names_the_ansible_file_and_line_of_what_cannot_be_honoured(tmp_path):
    (tmp_path / "hosts.ini").write_text(
        "[web]\nweb-1 ansible_password=hunter2\nweb-2 ansible_connection=winrm\n"
    )
    directory = config_with(
        tmp_path, [{"name": "web", "ansible": {"inventory": "../hosts.ini", "group": "web"}}]
    )
    with pytest.raises(ConfigError) as raised:
        load_settings(directory)
    assert [str(p) for p in raised.value.problems] == [
        f"{tmp_path / 'hosts.ini'}:3: web-2: ansible_connection=winrm cannot be honoured:"
        " the console reaches hosts over SSH only"
    ]
    result = cli("check-config", str(directory), tmp_path=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "hosts.ini:3: web-2: ansible_connection=winrm" in result.stderr
    # the warning is said too once the error is fixed, and check-config still passes
    (tmp_path / "hosts.ini").write_text("[web]\nweb-1 ansible_password=hunter2\n")
    said, result = warnings_of(directory, tmp_path)
    assert said == [
        f"warning: {tmp_path / 'hosts.ini'}:2: ansible_password is not honoured"
        " (the console reaches hosts by SSH keys)"
    ]
    assert "2 warnings" in result.stdout  # and web has no probes (test_check_config.py)


def test_a_vaulted_or_templated_address_or_a_bad_ssh_port_is_one_line_each(tmp_path):
    """Seen with an inventory read in place: a vault-encrypted ansible_host was said at its
    line, then again as inventory.toml's `systems[0].hosts[0].address: '$ANSIBLE_VAULT;1.1;
    AES256...' is not valid`, a line pointing at a file the user never wrote; and
    `ansible_ssh_common_args='-p 22O'` was dropped without a word (the host went to 22)."""
    (tmp_path / "hosts.yml").write_text(
        "all:\n  children:\n    web:\n      hosts:\n        web-1:\n"
        "          ansible_host: !vault |\n            $ANSIBLE_VAULT;1.1;AES256\n"
        '            6162636465\n        web-2:\n          ansible_host: \'{{ lookup("env", "IP") }}\'\n'
        "        web-3:\n          ansible_host: 192.0.2.3\n"
        "          ansible_ssh_common_args: -p 22O\n"
    )
    directory = config_with(
        tmp_path, [{"name": "web", "ansible": {"inventory": "../hosts.yml", "group": "web"}}]
    )
    result = cli("check-config", str(directory), tmp_path=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    inventory = tmp_path / "hosts.yml"
    assert result.stderr.splitlines() == [
        f"error: {inventory}:6: ansible_host is vault-encrypted: the console cannot decrypt it",
        f'error: {inventory}:10: ansible_host is a Jinja template ({{{{ lookup("env",'
        ' "IP") }}): the console does not evaluate templates; give the value itself',
        f"error: {inventory}:13: ssh -p 22O: '22O' is not a port number",
    ], result.stderr


def test_the_inventory_exec_dialed_with_is_the_one_its_whole_load_keeps(tmp_path):
    """exec reads inventory.toml first, to dial (`load_inventory`), and its whole load takes
    that text and model as they are: the same settings and warnings as a load from scratch."""
    (tmp_path / "hosts.ini").write_text("[web]\nweb-1 ansible_password=hunter2\nweb-2\n")
    directory = config_with(
        tmp_path, [{"name": "web", "ansible": {"inventory": "../hosts.ini", "group": "web"}}]
    )
    read = load_inventory(directory)
    assert read is not None and [h.name for h in read.inventory.system("web").hosts] == [
        "web-1",
        "web-2",
    ]
    whole, taken = load_settings(directory), load_settings(directory, read=read)
    assert taken.inventory is read.inventory and taken == whole
    assert [str(w) for w in taken.warnings] == [str(w) for w in whole.warnings]
    assert "ansible_password is not honoured" in str(taken.warnings[0])


def test_an_unknown_group_or_file_points_at_inventory_toml(tmp_path):
    """Each mistake is one line at its key; the system it leaves without hosts is not a
    second problem (seen: a mistyped group also said to list [[systems.hosts]])."""
    shutil.copytree(CORPUS, tmp_path / "ansible")
    directory = config_with(
        tmp_path,
        [
            {"name": "web", "ansible": {"inventory": "../ansible/ini/hosts.ini", "group": "wbe"}},
            {"name": "db", "ansible": {"inventory": "../nowhere.ini", "group": "db"}},
        ],
    )
    with pytest.raises(ConfigError) as raised:
        load_settings(directory)
    shown = [str(p) for p in raised.value.problems]
    toml = directory / "inventory.toml"
    assert (
        shown[0].startswith(f"{toml}:") and "systems[0].ansible.group: no group 'wbe'" in shown[0]
    )
    assert "did you mean 'web'?" in shown[0]
    assert shown[1].startswith(f"{toml}:") and shown[1].endswith(
        "systems[1].ansible.inventory: no such file"
    )
    # One line each: not also "system 'web' has no hosts: list [[systems.hosts]]...".
    assert len(shown) == 2


def test_broken_yaml_and_a_zero_range_step_are_one_line_each_with_file_and_line(tmp_path):
    """What a YAML parser or Python says is not a user's message: one line per problem,
    naming the file, the line and the column, and no parser internals."""
    ansible = tmp_path / "ansible"
    (ansible / "host_vars").mkdir(parents=True)
    (ansible / "hosts.ini").write_text("[web]\nweb-1\nweb[01:03:0]\n")
    (ansible / "host_vars" / "web-1.yml").write_text("---\nansible_port: 22: x\n")
    (ansible / "db.yml").write_text("all:\n  hosts:\n    db-1: {ansible_port: 22: x}\n")
    directory = config_with(
        tmp_path,
        [
            {"name": "web", "ansible": {"inventory": "../ansible/hosts.ini", "group": "web"}},
            {"name": "db", "ansible": {"inventory": "../ansible/db.yml", "group": "all"}},
        ],
    )
    result = cli("check-config", str(directory), tmp_path=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    errors = result.stderr.splitlines()
    assert all(line.startswith("error: ") for line in errors), errors
    assert f"error: {ansible / 'hosts.ini'}:3: host range [01:03:0] has a step of 0" in errors
    assert (
        f"error: {ansible / 'host_vars' / 'web-1.yml'}:2: cannot be read:"
        " mapping values are not allowed here (column 17)"
    ) in errors
    assert (
        f"error: {ansible / 'db.yml'}:3: is not valid YAML: expected ',' or '}}', but got ':'"
        " (column 28; while parsing a flow mapping from line 3, column 11)"
    ) in errors
    result = cli("import-ansible", str(ansible / "db.yml"), tmp_path=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: {ansible / 'db.yml'}:3: is not valid YAML: expected ',' or '}}', but got ':'"
        " (column 28; while parsing a flow mapping from line 3, column 11)"
    ]


def test_import_ansible_then_check_config_then_exec_dry_run(tmp_path):
    directory = tmp_path / "config"
    corpus = tmp_path / "ansible"
    shutil.copytree(CORPUS, corpus)
    keys_named(tmp_path)
    assert cli("init", str(directory), tmp_path=tmp_path).returncode == 0
    (directory / "console.toml").unlink()
    target = directory / "inventory.toml"
    refused = cli("import-ansible", str(corpus / "ini"), "-o", str(target), tmp_path=tmp_path)
    assert refused.returncode == 2 and "exists" in refused.stderr
    done = cli(
        "import-ansible", str(corpus / "ini" / "hosts.ini"), "-o", str(target), "--force",
        tmp_path=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "warning: " in done.stderr and "edge-1 is in groups web and canary" in done.stderr
    assert "wrote 3 systems, 18 hosts" in done.stderr  # web, db, ungrouped (the bastion)
    # what it could not honour stays with the file, each warning a comment of its header
    warned = [line for line in done.stderr.splitlines() if line.startswith("warning: ")]
    head = target.read_text().split("\n[[systems]]", 1)[0].splitlines()
    assert warned and [f"# {line}" for line in warned] == [
        line for line in head if line.startswith("# warning: ")
    ]
    checked = cli("check-config", str(directory), tmp_path=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "3 systems, 18 hosts" in checked.stdout
    dry = cli(
        "exec", "--dry-run", "--config", str(directory), "--systems", "web,db", "hostname",
        tmp_path=tmp_path,
    )  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert "edge-1: deploy@10.0.0.9:2222 via ops@canary-jump:2022" in lines
    assert "db-c: deploy@10.0.3.3:2200 via ops@bastion-eu:22" in lines
    # the bastion is an inventory host too, but ProxyJump names it as ssh does: by name
    assert "web-legacy: legacy@web-legacy:2201 via ops@bastion-eu:22" in lines


@pytest.mark.sshd
def test_an_ansible_group_with_a_proxyjump_var_runs_through_one_bastion(
    sshd_server, sshd_account, tmp_path
):
    server, key = sshd_server.server, sshd_server.client_key
    bastion = sshd_mod.start_sshd(
        tmp_path / "bastion", sshd_account, authorized_keys=[sshd_server.client_public_key]
    )
    try:
        known = sshd_mod.write_known_hosts(tmp_path / "known_hosts", [server, bastion])
        (tmp_path / "hosts.ini").write_text(
            "[web]\n"
            f"web-[1:3] ansible_host=127.0.0.1 ansible_port={server.port}\n"
            "[web:vars]\n"
            f"ansible_user={server.user}\n"
            f"ansible_ssh_private_key_file={key}\n"
            f"ansible_ssh_common_args='-J {bastion.user}@127.0.0.1:{bastion.port}'\n"
        )
        directory = config_with(
            tmp_path,
            [{"name": "web", "ansible": {"inventory": "../hosts.ini", "group": "web"}}],
            ssh={"use_ssh_config": False, "known_hosts": str(known), "identity_files": [str(key)]},
        )
        result = cli(
            "exec", "--config", str(directory), "--systems", "web", "id -un", tmp_path=tmp_path
        )
        assert result.returncode == 0, result.stderr
        assert sorted(result.stdout.splitlines()) == [f"web-{n}: {server.user}" for n in (1, 2, 3)]
        assert bastion.accepted_connections() == 1
        assert server.accepted_connections() == 3
    finally:
        bastion.stop()


def test_become_is_said_to_be_sudo_in_the_commands(tmp_path):
    """Seen importing a real inventory: '[web:vars] ansible_become=true' was warned as 'not
    honoured (the console reaches hosts by SSH keys)', which says nothing of root. The
    warning now says commands run as the login user, and where sudo goes."""
    (tmp_path / "hosts.ini").write_text(
        "[web]\nweb-1 ansible_host=10.0.0.1\n\n[web:vars]\nansible_become=true\n"
        "ansible_become_user=root\n"
    )
    directory = config_with(
        tmp_path, [{"name": "web", "ansible": {"inventory": "../hosts.ini", "group": "web"}}]
    )
    said, _ = warnings_of(directory, tmp_path)
    assert said == [
        f"warning: {tmp_path / 'hosts.ini'}:{n}: {key} is not honoured: commands run as the"
        " login user; write sudo -n in those that need root (docs/strategies.md, 'Root: sudo')"
        for n, key in ((5, "ansible_become"), (6, "ansible_become_user"))
    ]


@pytest.mark.sshd
def test_the_ansible_ssh_names_win_as_in_ansible_whatever_level_sets_them(sshd_server, tmp_path):
    """An inventory from before Ansible 2.0's names: `ansible_ssh_user` in a group's vars and
    `ansible_user` on a host. Ansible's ssh connection takes the last of each option's
    variables that is set (host: ansible_host, then ansible_ssh_host; port; user), so the
    ansible_ssh_ names win whichever level set them: `ansible all -m raw -a 'id -un'` on
    such an inventory logs in as the group's ansible_ssh_user. The import took the other
    name first, and every host went to a port and a user nothing listens as."""
    server, key = sshd_server.server, sshd_server.client_key
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(
        "[web]\n"
        f"web-[1:2] ansible_host=192.0.2.1 ansible_port=1 ansible_user=nobody\n"
        "[web:vars]\n"
        f"ansible_ssh_host=127.0.0.1\nansible_ssh_port={server.port}\n"
        f"ansible_ssh_user={server.user}\nansible_ssh_private_key_file={key}\n"
    )
    directory = config_with(tmp_path, [])
    inventory_toml = directory / "inventory.toml"
    inventory_toml.unlink()
    done = cli("import-ansible", str(inventory), "-o", str(inventory_toml), tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    converted = inventory_toml.read_text()
    inventory_toml.write_text(
        f'[ssh]\nuse_ssh_config = false\nknown_hosts = "{sshd_server.known_hosts}"\n\n' + converted
    )
    assert cli("check-config", str(directory), tmp_path=tmp_path).returncode == 0
    result = cli(
        "exec", "--config", str(directory), "--systems", "web", "id -un", tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(result.stdout.splitlines()) == [f"web-{n}: {server.user}" for n in (1, 2)]


def test_a_value_from_the_ansible_inventory_is_said_where_ansible_wrote_it(tmp_path):
    """Walked with `ansible = { inventory = "../hosts.ini", group = "web" }`: a mistyped
    ansible_host read 'inventory.toml:1: systems[0].hosts[0].ssh_alias: ...' (no such key
    there), and exec's host refused on a mistyped ansible_port read '...; its port: its
    ansible_port', naming no file. Both name the inventory's file, line and variable."""
    with socket.socket() as sock:  # a loopback port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(f"[web]\nweb-1 ansible_host=127.0.0.1 ansible_port={port}\n")
    system = {"name": "web", "ansible": {"inventory": "../hosts.ini", "group": "web"}}
    directory = config_with(tmp_path, [system])
    ran = cli("exec", "--config", str(directory), "--systems", "web", "true", tmp_path=tmp_path)
    said = f"; its port: {inventory}:2: ansible_port = {port}\n"
    assert ran.returncode == 1 and said in ran.stderr, ran.stderr
    inventory.write_text("[web]\nweb-1 ansible_host='bad host!'\n")
    checked = cli("check-config", str(directory), tmp_path=tmp_path)
    assert checked.returncode == 2, checked.stderr
    said = f"error: {inventory}:2: web-1: ansible_host 'bad host!' is not valid: use a host name"
    assert any(line.startswith(said) for line in checked.stderr.splitlines()), checked.stderr


def test_an_inventory_of_several_files_reads_the_same_wherever_the_checkout_lies(tmp_path):
    """An incident's opening records each file's sha256 (resume, undo, verify and exec
    --journal compare them): an inventory of several files (hosts.ini, group_vars/,
    host_vars/) was hashed with their paths, so the same checkout moved read as changed.
    The hosts it gives are hashed (their keys read from beside it named from there): a
    moved copy reads the same, a host's port changed in host_vars/ does not."""
    from console.engine.config_opened import digests
    from console.journal.redact import settings_redactor

    def opened(directory: Path) -> dict[str, str]:
        settings = load_settings(directory)
        return digests(settings, settings_redactor(settings).text)

    ansible = {"name": "db", "ansible": {"inventory": "../ansible/ini/hosts.ini", "group": "db"}}
    shutil.copytree(CORPUS, tmp_path / "a" / "ansible")
    config_with(tmp_path / "a", [ansible])
    shutil.copytree(tmp_path / "a", tmp_path / "b")  # the checkout, moved
    before = opened(tmp_path / "a" / "config")
    assert opened(tmp_path / "b" / "config") == before
    (tmp_path / "b" / "ansible" / "ini" / "host_vars" / "db-c.yml").write_text(
        "ansible_host: 10.0.3.3\nansible_port: 2201\n"
    )
    moved = opened(tmp_path / "b" / "config")
    assert [n for n in before if moved[n] != before[n]] == ["../ansible/ini/hosts.ini"]
