"""Where a refused host's port was written (console/model/port_written.py), for a host the
configuration in use no longer names."""

from __future__ import annotations

from console.model.loading import load_settings
from console.model.port_written import refused_port
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
