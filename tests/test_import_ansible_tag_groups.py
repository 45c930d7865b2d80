"""import-ansible of an inventory whose groups double as tags (a region, a canary group):
one warning for the hosts two groups share, not one a host. Seen: a 1,000-host inventory
with 250 web hosts also in [eu_west] printed 250 warning lines on stderr and wrote 250
comment lines into inventory.toml's header, each the same words but the host's name."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.test_ansible_config import cli


def _inventory(tmp_path: Path) -> Path:
    """60 web hosts and 20 db hosts; web-01..web-40 in eu_west, web-07 in canary too."""
    lines = ["[web]"]
    lines += [f"web-{i:02d} ansible_host=10.0.1.{i} ansible_port=2222" for i in range(1, 61)]
    lines += ["", "[db]"] + [f"db-{i:02d} ansible_host=10.0.2.{i}" for i in range(1, 21)]
    lines += ["", "[eu_west]"] + [f"web-{i:02d}" for i in range(1, 41)]
    lines += ["", "[canary]", "web-07", "", "[all:vars]", "ansible_user=deploy", ""]
    path = tmp_path / "hosts.ini"
    path.write_text("\n".join(lines))
    return path


def test_hosts_two_groups_share_are_one_warning_per_pair(tmp_path):
    hosts = _inventory(tmp_path)
    directory = tmp_path / "config"
    assert cli("init", str(directory), tmp_path=tmp_path).returncode == 0
    target = directory / "inventory.toml"
    target.unlink()
    done = cli("import-ansible", str(hosts), "-o", str(target), tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    warned = [line for line in done.stderr.splitlines() if line.startswith("warning: ")]
    assert warned == [
        f"warning: {hosts}:2: 40 hosts (web-01, web-02, web-03 +37 more) are in groups web"
        " and eu_west: each goes to system web only (a host is in one system)",
        f"warning: {hosts}:8: web-07 is in groups web and canary: it goes to system web only"
        " (a host is in one system)",
    ]
    assert done.stderr.splitlines()[-1] == f"{target}: wrote 2 systems, 80 hosts"
    head = target.read_text().split("\n[[systems]]", 1)[0].splitlines()
    assert [line for line in head if line.startswith("# warning: ")] == [f"# {w}" for w in warned]
    # each host is in its system once, its other groups its tags, as before
    systems = {s["name"]: s["hosts"] for s in tomllib.loads(target.read_text())["systems"]}
    assert [len(systems["web"]), len(systems["db"])] == [60, 20]
    tags = {h["name"]: sorted(h.get("tags", [])) for h in systems["web"]}
    assert tags["web-01"] == ["eu_west"] and tags["web-07"] == ["canary", "eu_west"]
    assert tags["web-41"] == [] and sum(t == ["eu_west"] for t in tags.values()) == 39
    # and what it wrote is a configuration that check-config and exec take
    checked = cli("check-config", str(directory), tmp_path=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "2 systems, 80 hosts" in checked.stdout
    dry = cli(
        "exec", "--dry-run", "--config", str(directory), "--systems", "web", "--hosts",
        "web-07,web-60", "hostname", tmp_path=tmp_path,
    )  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    assert "web-07: deploy@10.0.1.7:2222" in dry.stdout.splitlines()
    assert "web-60: deploy@10.0.1.60:2222" in dry.stdout.splitlines()
