"""A demo host's sandbox starts in the state its own `bin/restart` would leave it in."""

from __future__ import annotations

import subprocess

import pytest

from console.demo.sandbox import RELEASES, build_sandbox

SERVICE_FILES = ("service/running", "service/metrics")


@pytest.mark.parametrize("system", [*RELEASES, "other"])
def test_the_first_start_writes_what_bin_restart_writes(tmp_path, system):
    root = build_sandbox(tmp_path / system, system)
    built = {name: (root / name).read_text() for name in SERVICE_FILES}
    assert built["service/metrics"].startswith("error_rate=")
    for name in SERVICE_FILES:
        (root / name).unlink()
    subprocess.run(
        ["/bin/sh", "bin/restart"], cwd=root, check=True, capture_output=True, timeout=60
    )
    assert {name: (root / name).read_text() for name in SERVICE_FILES} == built
