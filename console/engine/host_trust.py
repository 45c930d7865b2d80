"""Trusting an unknown host key: written to known_hosts after a person compared its
fingerprint (in the picker before an incident exists, or through the conductor)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from console.engine.errors import ProcedureError
from console.engine.failures import HostFailure
from console.engine.ssh import SshPool, targets_for

if TYPE_CHECKING:  # exec imports this before its configuration loads whole (it dials first)
    from console.model.settings import Settings

FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}=?")


async def trust_host_key(
    settings: Settings, pool: SshPool, host: str, fingerprint: str, via: str = ""
) -> dict[str, Any] | None:
    """Write the UNKNOWN key on the way to `host` to known_hosts; what `hostkey.accepted`
    records, or None if that key was trusted already (nothing written)."""
    target = targets_for(settings.inventory, [host])[0]
    try:
        accepted = await pool.accept_host_key(target, fingerprint)
    except HostFailure as failure:
        raise ProcedureError(f"{host}: {failure.detail}") from None
    if accepted is None:
        return None
    return {
        "system": target.system,
        "host": host,
        "fingerprint": fingerprint,
        "endpoint": accepted.endpoint,
        "known_hosts": accepted.known_hosts,
        "entry": accepted.entry,
        **({"via": via} if via else {}),
    }


def check_accept_keys(settings: Settings, systems: list[str], keys: dict[str, str]) -> None:
    """`--accept-host-key HOST=SHA256:...` names a host of the chosen systems and a
    whole SHA256 fingerprint: never a blind acceptance."""
    inventory = settings.inventory
    for host, fingerprint in keys.items():
        try:
            system = inventory.system_of(host).name
        except KeyError:
            raise ProcedureError(f"--accept-host-key: unknown host {host!r}") from None
        if system not in systems:
            raise ProcedureError(f"--accept-host-key: {host} is not in {', '.join(systems)}")
        if not FINGERPRINT.fullmatch(fingerprint):
            raise ProcedureError(
                f"--accept-host-key {host}={fingerprint}: expected the whole SHA256:..."
                " fingerprint the host's owner gave you (as `ssh-keygen -lf` prints it)"
            )
