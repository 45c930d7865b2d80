"""Where a refused host's port was written (console/engine/port_written.py), for a host the
configuration in use no longer names."""

from __future__ import annotations

from console.engine.port_written import refused_port
from console.model.loading import load_settings
from console.paths import demo_config


def test_a_host_the_inventory_no_longer_names_has_nowhere_and_no_crash():
    """Seen on real sshd at 80x24: exec's web-3 refused, web-3 then taken out of
    inventory.toml, the incident resumed and F3 pressed: the console ended with 'internal
    error: KeyError: 'web-3'' (the execution screen asks where each refused host's port
    was written, of the settings in use)."""
    settings = load_settings(demo_config())
    where = refused_port(settings)
    assert where("web-3-gone", "connection refused by 127.0.0.1:32009") == ""
    host = settings.inventory.systems[0].hosts[0].name  # still named: still said
    assert where(host, "connection refused by 127.0.0.1:22").startswith("; its port: ")


def test_an_ansible_hosts_port_is_said_at_its_own_line_after_an_edit(tmp_path):
    """b2d29e22 named an Ansible host's port by the host's place in the inventory as it is
    now: with web-1 taken out of hosts.ini mid-incident (the console still dials it), web-1's
    refusal named web-2's line. By name; a port edited since is said as it is now and as
    it was read (what the console dials)."""
    from tests.test_ansible_config import config_with

    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[web]\nweb-1 ansible_port=2201\nweb-2 ansible_port=2202\n")
    system = {"name": "web", "ansible": {"inventory": "../hosts.ini", "group": "web"}}
    settings = load_settings(config_with(tmp_path, [system]))
    inventory.write_text("[web]\n# web-1 is being rebuilt\nweb-2 ansible_port=2202\n")
    where = refused_port(settings)
    said = where("web-1", "connection refused by 127.0.0.1:2201")
    assert said == f"; its port: {inventory}:2: ansible_port = 2201", said  # as read
    inventory.write_text("[web]\nweb-2 ansible_port=2202\nweb-1 ansible_port=2211\n")
    said = refused_port(settings)("web-1", "connection refused by 127.0.0.1:2201")
    assert said == (
        f"; its port: {inventory}:3: ansible_port = 2211 now (it was 2201 when read)"
    ), said
