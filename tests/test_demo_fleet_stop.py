"""The demo fleet's stop ends every command it is still answering, its processes
reaped, before it returns. One left to the end of the loop exits after the loop is
closed, and asyncio's child watcher prints a warning on the console's stderr: a
headless run whose journal filled up (tests/test_journal_full_disk.py) printed a
second line after its one, now and then."""

from __future__ import annotations

import asyncio
import os

from console.demo.fleet import DemoFleet
from console.engine.ssh import SshPool
from console.engine.targets import targets_for
from console.model.loading import load_settings
from console.paths import demo_config


async def test_stopping_the_fleet_ends_and_reaps_the_commands_it_still_answers() -> None:
    fleet = DemoFleet(load_settings(demo_config()))
    settings = await fleet.start()
    pool = SshPool(settings.inventory.ssh)
    try:
        [target] = targets_for(settings.inventory, ["web-1"])
        conn = await pool.connection(target)
        process = await conn.create_process("echo $$; exec sleep 30")
        pid = int(await asyncio.wait_for(process.stdout.readline(), 10))
        os.kill(pid, 0)  # running

        await fleet.stop()

        running = [t for t in asyncio.all_tasks() if "_DemoHost.handle" in repr(t.get_coro())]
        assert running == []
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            pass  # killed and reaped, not a zombie
        else:
            raise AssertionError(f"pid {pid} of the command is still there")
    finally:
        await pool.close()
        await fleet.stop()
