"""A demo host's service state: releases, a `current` link to the bad one, metrics."""

from __future__ import annotations

from pathlib import Path

RELEASES = {
    "web": [("2.3.0", 0.004, 180), ("2.4.0", 0.006, 190), ("2.4.1", 0.31, 2400)],
    "api": [("1.8.2", 0.003, 95), ("1.9.0", 0.005, 110), ("1.9.1", 0.22, 1900)],
    "db": [("14.2", 0.001, 12), ("14.3", 0.001, 14), ("14.4", 0.09, 400)],
}
DEFAULT_RELEASES = RELEASES["web"]

RESTART = """\
#!/bin/sh
# Demo service restart: the running release and its health follow `current`.
set -e
cp current/metrics service/metrics
cat current/VERSION > service/running
echo "service restarted on $(cat service/running)"
"""


def build_sandbox(root: Path, system: str) -> Path:
    """Create the host's state under `root`; the newest release is the bad one."""
    releases = RELEASES.get(system, DEFAULT_RELEASES)
    for version, error_rate, p99 in releases:
        release = root / "releases" / version
        release.mkdir(parents=True, exist_ok=True)
        (release / "VERSION").write_text(version + "\n")
        (release / "metrics").write_text(f"error_rate={error_rate}\np99_ms={p99}\n")
    (root / "bin").mkdir(exist_ok=True)
    (root / "bin" / "restart").write_text(RESTART)
    (root / "bin" / "restart").chmod(0o755)
    (root / "service").mkdir(exist_ok=True)
    bad = releases[-1][0]
    (root / "current").symlink_to(Path("releases") / bad)
    (root / "service" / "metrics").write_text((root / "releases" / bad / "metrics").read_text())
    (root / "service" / "running").write_text(bad + "\n")
    return root


def current_release(root: Path) -> str:
    return (root / "current").readlink().name
