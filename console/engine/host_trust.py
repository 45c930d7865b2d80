"""Trusting an unknown host key: written to known_hosts after a person compared its
fingerprint (in the picker before an incident exists, or through the conductor)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from console.engine.errors import HostRefused, ProcedureError
from console.engine.failures import HostFailure
from console.engine.ssh import SshPool
from console.engine.targets import targets_for

if TYPE_CHECKING:  # exec imports this before its configuration loads whole (it dials first)
    from console.model.settings import Settings

# --accept-host-key HOST=SHA256:... given: each host's fingerprints, in the order given (its
# own and its jump host's, at a first contact through one)
HostKeys = dict[str, list[str]]
FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}=?")


async def trust_host_key(
    settings: Settings, pool: SshPool, host: str, fingerprint: str, via: str = ""
) -> dict[str, Any] | None:
    """Write the UNKNOWN key on the way to `host` to known_hosts; what `hostkey.accepted`
    records, or None if that key was trusted already (nothing written)."""
    target = targets_for(settings.inventory, [host])[0]
    await check_host_keys(settings, pool, {host: [fingerprint]})
    try:
        accepted = await pool.accept_host_key(target, fingerprint)
    except HostFailure as failure:  # from what the host offered, once dialled
        raise HostRefused(f"{host}: {failure.detail}") from None
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


def check_accept_keys(settings: Settings, systems: list[str], keys: HostKeys) -> None:
    """`--accept-host-key HOST=SHA256:...` names a host of the chosen systems and a
    whole SHA256 fingerprint: never a blind acceptance."""
    inventory = settings.inventory
    for host, fingerprint in ((h, f) for h, fs in keys.items() for f in fs):
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


async def check_host_keys(settings: Settings, pool: SshPool, keys: HostKeys) -> None:
    """Refuse (ProcedureError: bad input, exit status 2) each `--accept-host-key` that
    what is here already refuses, before any host is dialled or incident recorded: a
    route that cannot be followed, a known key other than the one named (a changed key is
    never accepted), no UserKnownHostsFile to write to."""
    for host, fingerprint in ((h, f) for h, fs in keys.items() for f in fs):
        target = targets_for(settings.inventory, [host])[0]
        try:
            await pool.check_host_key(target, fingerprint)
        except HostFailure as failure:
            raise ProcedureError(f"{host}: {failure.detail}") from None
