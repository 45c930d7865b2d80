"""A jump host as ProxyJump writes it: `none`, or hops `[user@]host[:port]` separated by
commas. Read here once, for the inventory's check (file, line and key) and the resolver."""

from __future__ import annotations

# ProxyJump's syntax: `none`, or hops `[user@]host[:port]` separated by commas.
JUMP_PATTERN = r"^(none|[^\s,]+(,[^\s,]+)*)$"


def split_hop(spec: str) -> tuple[str | None, str, int | None] | None:
    """`[user@]host[:port]` (or `[v6]:port`, or `ssh://user@host:port`) as (user, host, port);
    None for what ssh refuses too ('Invalid -J argument'): a port that is no number from 1
    to 65535 (`bastion:abc`, `bastion:99999`), a `[` never closed."""
    user, _, hostport = spec.removeprefix("ssh://").rstrip("/").rpartition("@")
    host, port_text = hostport, None
    if hostport.startswith("["):
        host, closed, rest = hostport[1:].partition("]")
        if not closed or rest[:1] not in ("", ":"):
            return None
        port_text = rest[1:] if rest else None
    elif hostport.count(":") == 1:
        host, _, port_text = hostport.partition(":")
    port = None
    if port_text is not None:
        if not (port_text.isascii() and port_text.isdigit()):
            return None
        port = int(port_text)
    if not host or (port is not None and not 0 < port < 65536):
        return None
    return user or None, host, port


def hop_refusal(spec: str) -> str:
    return f"jump host {spec!r}: expected [user@]host[:port], a port from 1 to 65535"


def checked_jump(value: str | None) -> str | None:
    """The inventory's `jump_host`, refused where no hop of it could be dialled."""
    if value is None or value == "none":
        return value
    for part in value.split(","):
        if split_hop(part.strip()) is None:
            raise ValueError(hop_refusal(part.strip()))
    return value
