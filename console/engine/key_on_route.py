"""Where on the way to a host an unknown host key may be accepted (SshPool's
`check_host_key`, `accept_host_key`): from its route and known_hosts alone."""

from __future__ import annotations

import os
import shlex
from typing import TYPE_CHECKING

from console.engine.destination import Destination, RouteError
from console.engine.failures import HostFailure
from console.engine.key_refusal import revoked as revoked_key
from console.model.status import FailureClass

if TYPE_CHECKING:
    from console.engine.ssh import SshPool
    from console.engine.targets import Target


async def unknown_on_the_way(pool: SshPool, target: Target, fingerprint: str) -> Destination | None:
    """The first destination on the way to `target` whose key is unknown, where it
    can be recorded; None if `fingerprint` is trusted already. Raises HostFailure
    where the route cannot be followed, or every key on it is known and none is that."""
    try:
        dest = pool.destination(target)
    except RouteError as exc:
        raise HostFailure(FailureClass.UNREACHABLE, str(exc)) from None
    route = [*dest.hops, dest]
    for hop in route:
        if revoked := revoked_key(pool.dialer.known, hop, fingerprint):
            raise HostFailure(FailureClass.HOSTKEY_MISMATCH, revoked)
    unknown = next((d for d in route if not pool.dialer.knows(d)), None)
    if unknown is None:
        if any(fingerprint in pool.dialer.trusted(d) for d in route):
            return None  # already trusted: nothing to write
        known = pool.dialer.known.recorded_at(
            dest.known_hosts_files, dest.host, dest.port, dest.host_key_alias
        )
        where = " and ".join(f"{path}:{number} records {old}" for path, number, old in known)
        remove = (
            f"; if its owner confirms the host was re-keyed: ssh-keygen -R"
            f" '{dest.key_name}' -f {shlex.quote(known[0][0])}, then accept the new key"
            if known
            else ""
        )
        raise HostFailure(
            FailureClass.HOSTKEY_MISMATCH,
            f"{fingerprint} is not the key known for {dest.key_name}"
            f"{': ' + where if where else ''}; a known key is never replaced: refused,"
            f" nothing sent{remove}",
        )
    kept = unknown.user_known_hosts[:1]
    if not kept or kept[0] == os.devnull:  # written there, a key is trusted nowhere
        said = "none" if not kept else os.devnull
        raise HostFailure(
            FailureClass.HOSTKEY_UNKNOWN,
            f"{unknown.alias}: UserKnownHostsFile is {said}, nowhere to record a key; refused"
            + (
                " (ssh reaches it only by trusting any key, StrictHostKeyChecking no; the"
                " console always checks: name a file)"
                if kept
                else ""
            ),
        )
    return unknown
