"""A host a lost console left unknown, verified once its earlier attempt has ended there."""

from __future__ import annotations

import asyncio

from console.engine.attempts import verify_unknown
from console.engine.conductor import Conductor


async def verified_once_ended(conductor: Conductor, host: str = "web-1") -> dict[str, str]:
    """The unknown hosts verified (V) until the earlier attempt no longer runs on `host`
    (bounded: 100 tries, 0.2 s apart): the last verdicts."""
    for _ in range(100):
        verdicts = await verify_unknown(conductor, None)
        if "still running" not in verdicts[host]:
            return verdicts
        await asyncio.sleep(0.2)
    return verdicts
