"""Hosts not started, journalled: one `record()` each (an fsync each) against held
events sharing one `sync()`, as a detach and a stopped wave journal them.

    PYTHONPATH=$PWD python bench/not_started.py 500

Wall time of the Recorder alone on a temporary journal (fsync is I/O: state the load
average). A benchmark, not a test: pytest never runs it.
"""

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from console.journal.files import JOURNAL_NAME
from console.journal.recorder import Recorder
from console.journal.redact import Redactor
from console.journal.writer import JournalWriter
from console.model.clock import FixedClock
from console.model.events import Kind
from tests.events_factory import COMMANDER, START


async def main(hosts: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-not-started-") as d:
        r = Recorder(
            JournalWriter(Path(d) / JOURNAL_NAME), FixedClock(START), COMMANDER, Redactor()
        )
        r.record(Kind.INCIDENT_OPENED, title="t", incident_id="inc")
        why = "the console quit (detached)"
        t = time.perf_counter()
        for i in range(hosts):
            r.record(Kind.HOST_NOT_STARTED, system="web", host=f"a-{i}", step="s", reason=why)
        each = time.perf_counter() - t
        t = time.perf_counter()
        for i in range(hosts):
            r.record_deferred(
                Kind.HOST_NOT_STARTED, system="web", host=f"b-{i}", step="s", reason=why
            )
        await r.sync()
        once = time.perf_counter() - t
        load = os.getloadavg()
        print(
            f"{hosts} hosts: record() each {each:.3f} s; deferred + one sync {once:.3f} s; load {load}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("hosts", type=int, nargs="?", default=500, help="default 500")
    asyncio.run(main(parser.parse_args().hosts))
