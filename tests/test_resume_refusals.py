"""`resume` refuses, in one line and before it takes a lock or writes a byte, an incident
with a host the configuration does not know: nothing could be verified, retried or
undone there."""

from __future__ import annotations

import os
import subprocess
import sys

from console.journal.lock import SystemLocks
from console.model.loading import load_settings
from console.paths import demo_config
from tests.fleet_settings import write_config
from tests.test_one_lock import RUN


def test_resume_refuses_an_incident_with_a_host_the_configuration_does_not_know(tmp_path):
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    incident = tmp_path / "incident"
    ran = subprocess.run(
        [sys.executable, "-m", "console", *RUN, "--journal", str(incident)],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    data = load_settings(demo_config()).dumped()
    web = next(s for s in data["inventory"]["systems"] if s["name"] == "web")
    web["hosts"] = [h for h in web["hosts"] if h["name"] != "web-3"]
    data["drills"] = {}  # the demo's drills name web-3: a configuration without it has none
    settings = type(load_settings(demo_config())).validated(data)
    locks = tmp_path / "locks"
    config = write_config(tmp_path / "config", settings, lock_dir=locks)
    journal = incident / "journal.jsonl"
    before = journal.read_bytes()

    resumed = subprocess.run(
        [sys.executable, "-m", "console", "resume", "--config", str(config), str(journal)],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert resumed.returncode == 2, resumed.stderr
    assert resumed.stderr == (
        f"error: {journal}: host(s) web-3 of this incident are not in this configuration's"
        " inventory; resume it with the configuration it ran with (--config DIR)\n"
    )
    assert journal.read_bytes() == before
    assert SystemLocks(locks).holder("web") is None
