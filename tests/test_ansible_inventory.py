"""Ansible inventories read in place: the same hosts, groups and variables as
`ansible-inventory --list` gives for the same files, turned into console hosts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from console.model.ansible.formats import read_json
from console.model.ansible.hosts import group_hosts
from console.model.ansible.inventory import expand_range
from console.model.ansible.variables import Inventory, read_inventory
from tests.test_cli_run import cli

CORPUS = Path(__file__).parent / "ansible"
INI = CORPUS / "ini" / "hosts.ini"
YAML = CORPUS / "yaml" / "inventory.yml"

needs_ansible = pytest.mark.skipif(
    shutil.which("ansible-inventory") is None,
    reason="ansible-inventory is not installed (pip install ansible-core, in the test extra)",
)


def ansible_list(path: Path, tmp_path: Path) -> dict:
    env = {**os.environ, "ANSIBLE_HOME": str(tmp_path / "ansible"), "ANSIBLE_NOCOLOR": "1"}
    done = subprocess.run(
        ["ansible-inventory", "-i", str(path), "--list"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=True,
    )
    assert "WARNING" not in done.stderr, done.stderr
    return json.loads(done.stdout)


def members(listing: dict, group: str) -> set[str]:
    entry = listing.get(group, {})
    found = set(entry.get("hosts", []))
    for child in entry.get("children", []):
        found |= members(listing, child)
    return found


@needs_ansible
@pytest.mark.parametrize("path", [INI, YAML], ids=["ini", "yaml"])
def test_hosts_groups_and_vars_are_those_of_ansible_inventory_list(path, tmp_path):
    listing = ansible_list(path, tmp_path)
    ours = read_inventory(path)
    assert not ours.findings
    groups = {g for g in listing if g != "_meta"}
    assert groups == set(ours.groups)
    for group in groups:
        assert set(ours.members(group)) == members(listing, group), group
    hostvars = listing["_meta"]["hostvars"]
    assert set(hostvars) == set(ours.host_where)
    for host, expected in hostvars.items():
        assert {k: v.value for k, v in ours.host_variables(host).items()} == expected, host

    # Console hosts from our reading equal those from ansible-inventory's own output.
    theirs = Inventory()
    read_json(json.dumps(listing), "ansible-inventory --list", theirs)
    theirs.finish()
    for group in groups - {"all"}:
        mine = group_hosts(ours, group, path)
        from_ansible = group_hosts(theirs, group, path)
        assert mine.hosts == from_ansible.hosts, group


def test_ranges_expand_as_ansible_expands_them():
    assert expand_range("web[01:03].eu") == ["web01.eu", "web02.eu", "web03.eu"]
    assert expand_range("db-[a:c]") == ["db-a", "db-b", "db-c"]
    assert expand_range("api-[1:6:2]") == ["api-1", "api-3", "api-5"]
    assert expand_range("r[1:2]-[a:b]") == ["r1-a", "r1-b", "r2-a", "r2-b"]
    assert expand_range("plain") == ["plain"]


def test_an_ini_inventory_becomes_console_hosts():
    converted = group_hosts(read_inventory(INI), "eu", INI)
    by_name = {h["name"]: h for h in converted.hosts}
    assert len(by_name) == 17  # 12 from the range, edge-1, web-legacy, db-a..c
    # a host in three groups (web, canary, pci): the groups beyond the system's are tags;
    # canary's ansible_group_priority makes its ProxyJump win, as in Ansible
    assert by_name["edge-1"] == {
        "name": "edge-1",
        "ssh_alias": "10.0.0.9",
        "port": 2222,
        "user": "deploy",
        "jump_host": "ops@canary-jump:2022",
        "tags": ["canary", "pci", "prod", "web"],
    }
    # a group var with ProxyJump, group_vars/ and host_vars/ files, a key path resolved
    # from the inventory's directory, host:port
    assert by_name["db-c"] == {
        "name": "db-c",
        "ssh_alias": "10.0.3.3",
        "port": 2200,
        "user": "deploy",
        "identity_files": [str(INI.parent / "keys" / "db_ed25519")],
        "jump_host": "ops@bastion-eu",
        "tags": ["db", "prod"],
    }
    assert by_name["web-legacy"]["port"] == 2201 and by_name["web-legacy"]["user"] == "legacy"


def test_a_yaml_inventory_becomes_console_hosts():
    converted = group_hosts(read_inventory(YAML), "db", YAML)
    assert [h["name"] for h in converted.hosts] == ["pg-01", "pg-02", "pg-03", "pg-r1", "pg-r2"]
    replica = converted.hosts[-1]
    assert replica["proxy_command"] == "ssh -W %h:%p -q ops@jump-us"
    assert replica["identity_files"] == ["~/.ssh/db_key"]
    assert replica["tags"] == ["db_replicas", "us"]
    assert converted.findings == []  # ansible_python_interpreter is not a connection matter


def test_what_cannot_be_honoured_is_reported_with_file_and_line(tmp_path):
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(
        "[web]\n"
        "web-1 ansible_connection=local\n"
        'web-2 ansible_host=\'{{ lookup("env", "IP") }}\'\n'
        "web-3 ansible_password=secret ansible_ssh_common_args='-o StrictHostKeyChecking=no'\n"
        "web-4 ansible_ssh_extra_args='-F ./other_config'\n"
        "web-5 ansible_become=true ansible_ssh_common_args='-o ControlPersist=60s'\n"
    )
    findings = group_hosts(read_inventory(inventory), "web", inventory).findings
    lines = {(f.where.line, f.error, f.message) for f in findings}
    assert (
        2,
        True,
        "web-1: ansible_connection=local cannot be honoured: the console reaches hosts"
        " over SSH only",
    ) in lines
    assert any(n == 3 and e and "Jinja template" in m for n, e, m in lines)
    assert any(n == 4 and not e and "ansible_password is not honoured" in m for n, e, m in lines)
    assert any(n == 4 and not e and "host keys are always checked" in m for n, e, m in lines)
    assert any(n == 5 and e and "ssh -F ./other_config" in m for n, e, m in lines)
    assert any(n == 6 and not e and "ansible_become" in m for n, e, m in lines)
    assert any(n == 6 and not e and "ControlPersist" in m for n, e, m in lines)


def test_an_unknown_group_says_which_groups_there_are_in_which_file():
    findings = group_hosts(read_inventory(INI), "wbe", INI).findings
    assert [(str(f.where), f.message) for f in findings] == [
        (
            str(INI),
            "no group 'wbe' (did you mean 'web'?); groups: all, canary, db, eu, pci, prod,"
            " ungrouped, web",
        )
    ]


RANGES_WITH_PORTS = "[web]\nweb[1:3]:2222\n[a:b]-web:2200\n127.0.0.1:2201\n"


def test_a_range_with_a_port_is_hosts_on_that_port_as_in_ansible(tmp_path):
    """`web[1:3]:2222` is three hosts on port 2222 for Ansible; the import refused it, its
    `:` taken for part of the name ('web1:2222' is not a console host name)."""
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(RANGES_WITH_PORTS)
    converted = group_hosts(read_inventory(inventory), "web", inventory)
    assert converted.findings == []
    ports = {h["name"]: h["port"] for h in converted.hosts}
    assert ports == {
        "web1": 2222,
        "web2": 2222,
        "web3": 2222,
        "a-web": 2200,
        "b-web": 2200,
        "127.0.0.1": 2201,
    }


@needs_ansible
def test_a_range_with_a_port_reads_as_ansible_inventory_lists_it(tmp_path):
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(RANGES_WITH_PORTS)
    hostvars = ansible_list(inventory, tmp_path)["_meta"]["hostvars"]
    ours = read_inventory(inventory)
    assert {h: {k: v.value for k, v in ours.host_variables(h).items()} for h in hostvars} == (
        hostvars
    )


@pytest.mark.parametrize(
    "text, problem",
    [
        (
            '{"web": {"hosts": ["a"]}, "_meta": 5}',
            "_meta.hostvars is not an object of hosts, each an object of variables",
        ),
        ("[1, 2]", "expected an object of groups, found list"),
        ('{"web": 5}', "group 'web' is neither a list of hosts nor an object"),
        ('{"web": {"hosts": {"a": {}}}}', "group 'web': hosts is not a list of names"),
        ('{"web": {"hosts": ["a"], "vars": [1]}}', "group 'web': vars is not an object"),
    ],
)
def test_json_of_another_shape_is_one_line_and_exit_2(tmp_path, text, problem):
    """A hand-edited or cut `ansible-inventory --list` output ended in an internal error
    ('int' object has no attribute 'get') instead of saying what is wrong with the file."""
    inventory = tmp_path / "inventory.json"
    inventory.write_text(text)
    done = cli("import-ansible", str(inventory), state_dir=tmp_path / "state")
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"error: {inventory}: is not the JSON of ansible-inventory --list: {problem}\n"
    )


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "[web:vars]\nhttp_port=8080\n"])
def test_an_inventory_without_hosts_is_one_line_and_exit_2(tmp_path, text):
    """It was converted to `systems = []`, exit 0, which check-config then refuses."""
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(text)
    done = cli("import-ansible", str(inventory), state_dir=tmp_path / "state")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"error: {inventory}: has no hosts: nothing to convert\n"


LOOPS = {
    "hosts.ini": ("[a:children]\nb\n[b:children]\na\n[b]\nweb1\n", 4),
    "inventory.yml": (
        "all:\n  children:\n    a:\n      children:\n        b:\n"
        "          hosts:\n            web1:\n          children:\n            a:\n",
        9,
    ),
}


@pytest.mark.parametrize("name", list(LOOPS))
def test_a_group_under_itself_is_refused_at_its_line_as_ansible_refuses_it(tmp_path, name):
    """Groups `a` and `b` children of each other were read as they came (web1 tagged `a`);
    Ansible refuses the file ('creates a recursive dependency loop')."""
    text, line = LOOPS[name]
    inventory = tmp_path / name
    inventory.write_text(text)
    done = cli("import-ansible", str(inventory), state_dir=tmp_path / "state")
    assert (done.returncode, done.stdout) == (2, "")
    assert (
        done.stderr == f"error: {inventory}:{line}: group 'a' under 'b' makes a loop: b > a > b\n"
    )


def test_an_address_for_a_host_name_says_how_to_keep_it(tmp_path):
    """Ansible takes `::1` as a host; the console names hosts, so the line says how to
    give the address under a name."""
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[web]\n::1 ansible_port=2222\nweb6 ansible_host=::1\n")
    done = cli("import-ansible", str(inventory), state_dir=tmp_path / "state")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"error: {inventory}:2: host '::1' is not a console host name (letters, digits, . _ -):"
        " name it and give the address as ansible_host, e.g. NAME ansible_host=::1\n"
    )


def test_a_hosts_tags_are_written_on_one_line(tmp_path):
    """tomli_w wrote `tags = [` and one tag a line (helper-138); the inventory.toml a
    person then edits reads `tags = ["canary", "eu", "prod"]`, and means the same."""
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(
        "[web]\nweb-1 ansible_host=10.0.0.1\nweb-2\n[eu]\nweb-1\nweb-2\n[canary]\nweb-1\n"
        "[prod:children]\nweb\n"
    )
    done = cli("import-ansible", str(inventory), state_dir=tmp_path / "state")
    assert done.returncode == 0, done.stderr
    assert 'tags = ["canary", "eu", "prod"]\n' in done.stdout, done.stdout
    assert 'tags = ["eu", "prod"]\n' in done.stdout, done.stdout
    [web] = tomllib.loads(done.stdout)["systems"]
    assert [h["tags"] for h in web["hosts"]] == [["canary", "eu", "prod"], ["eu", "prod"]]
