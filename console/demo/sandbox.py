"""A demo host's service state: releases, a `current` link to the bad one, metrics,
an orders database, saved config revisions and a flags file."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
from pathlib import Path

from console.demo import data, data_setup

RELEASES = {
    "web": [("2.3.0", 0.004, 180), ("2.4.0", 0.006, 190), ("2.4.1", 0.007, 200)],
    "api": [("1.8.2", 0.003, 95), ("1.9.0", 0.005, 110), ("1.9.1", 0.005, 120)],
    "db": [("14.2", 0.001, 12), ("14.3", 0.001, 14), ("14.4", 0.001, 15)],
}
DEFAULT_RELEASES = RELEASES["web"]
# The newest web and api releases ship a new checkout path that fails (these numbers).
BROKEN_CHECKOUT = {"web": (0.31, 2400), "api": (0.22, 1900)}

RESTART = """\
#!/bin/sh
# Demo service restart. Health follows the running release, except that a release's
# new checkout path (checkout.metrics) fails while its flag, config r43 and schema 4
# are all live, errors scaling with the flag's percent; damaged orders fail payments.
set -e
cat current/VERSION > service/running
pct=0
be=0
bp=0
if [ -f current/checkout.metrics ] && [ "$(cat etc/app-revisions/CURRENT)" = r43 ] \\
  && [ "$(python3 bin/db version)" = schema_version=4 ]; then
  pct=$(awk -F= '$1 == "new_checkout" { print $2 }' etc/flags)
  be=$(awk -F= '$1 == "error_rate" { print $2 }' current/checkout.metrics)
  bp=$(awk -F= '$1 == "p99_ms" { print $2 }' current/checkout.metrics)
fi
damaged=$(python3 bin/db damaged)
awk -F= -v pct="${pct:-0}" -v be="$be" -v bp="$bp" -v dmg="$damaged" '
  $1 == "error_rate" { v = $2 + (be - $2) * pct / 100; if (dmg > 0 && v < 0.09) v = 0.09 }
  $1 == "p99_ms" { v = $2 + (bp - $2) * pct / 100; if (dmg > 0 && v < 400) v = 400 }
  { printf "%s=%g\\n", $1, v }' current/metrics > service/metrics.new
mv service/metrics.new service/metrics
echo "service restarted on $(cat service/running)"
"""

CONTAINER = """\
#!/bin/sh
# Demo container runtime: `run IMAGE:TAG` deploys the release TAG as the running image.
set -e
case "$1" in
  run)
    tag=${2##*:}
    test -d "releases/$tag" || { echo "image $2 not found" >&2; exit 4; }
    cat service/image 2>/dev/null > service/image.previous || true
    ln -sfn "releases/$tag" current.next && mv -Tf current.next current
    printf '%s\\n' "$2" > service/image
    sh bin/restart ;;
  current) cat service/image ;;
  *) echo "usage: container run IMAGE:TAG | current" >&2; exit 2 ;;
esac
"""

CONFIG_REVISIONS = {
    "r41": {"app.toml": "pool_size = 20\ntimeout_ms = 800\n", "cache.toml": "ttl_s = 300\n"},
    "r42": {"app.toml": "pool_size = 24\ntimeout_ms = 800\n", "cache.toml": "ttl_s = 300\n"},
    "r43": {"app.toml": "pool_size = 2\ntimeout_ms = 50\n", "cache.toml": "ttl_s = 0\n"},
}
FLAGS = {"new_checkout": 100, "recommendations": 100, "dark_mode": 0}


AUTH_LOG = Path("service/auth.log")
USERS = [(5, "alice"), (6, "bob"), (7, "carol")]
BREACH_LINE = "authentication failure for admin from 203.0.113.7\n"
BREACH_BURST, BREACH_SECONDS, BREACH_MAX_LINES = 20, 0.25, 20_000
DRIFT_SECONDS, DRIFT_MAX_ROWS = 0.5, 10


async def write_breach(root: Path) -> None:
    """The `breach` fault: a burst of failed admin logins in the auth log every quarter
    of a second, through the hole in the release running now, until that release is
    rolled back (bounded, so a forgotten demo cannot fill a disk)."""
    exposed = current_release(root)
    written = 0
    while written < BREACH_MAX_LINES and current_release(root) == exposed:
        with (root / AUTH_LOG).open("a") as log:
            log.write(BREACH_LINE * BREACH_BURST)
        written += BREACH_BURST
        await asyncio.sleep(BREACH_SECONDS)


async def lose_orders(root: Path) -> None:
    """The `corrupt-data` fault: a runaway job of the bad delivery deletes an order every
    half second behind the application's back (row counts drift), until the database
    file it holds is replaced by a restore, or it has taken DRIFT_MAX_ROWS rows."""
    held = (root / data.LIVE).stat().st_ino
    for _ in range(DRIFT_MAX_ROWS):
        if not await asyncio.to_thread(data_setup.lose_order, root, held):
            return
        await asyncio.sleep(DRIFT_SECONDS)


def build_sandbox(root: Path, system: str) -> Path:
    """Create the host's state under `root`; the newest release is the bad one."""
    releases = RELEASES.get(system, DEFAULT_RELEASES)
    for version, error_rate, p99 in releases:
        release = root / "releases" / version
        release.mkdir(parents=True, exist_ok=True)
        (release / "VERSION").write_text(version + "\n")
        (release / "metrics").write_text(f"error_rate={error_rate}\np99_ms={p99}\n")
    if system in BROKEN_CHECKOUT:
        error_rate, p99 = BROKEN_CHECKOUT[system]
        (release / "checkout.metrics").write_text(f"error_rate={error_rate}\np99_ms={p99}\n")
    (root / "bin").mkdir(exist_ok=True)
    (root / "bin" / "restart").write_text(RESTART)
    (root / "bin" / "restart").chmod(0o755)
    (root / "service").mkdir(exist_ok=True)
    (root / AUTH_LOG).write_text("".join(f"login ok for {u} from 10.0.0.{n}\n" for n, u in USERS))
    bad = releases[-1][0]
    (root / "current").symlink_to(Path("releases") / bad)
    (root / "service" / "image").write_text(f"registry.demo/{system}:{bad}\n")
    (root / "bin" / "container").write_text(CONTAINER)
    shutil.copyfile(data.__file__, root / "bin" / "db")
    data_setup.build(root, damaged=system == "db")
    _config(root)
    (root / "etc" / "flags").write_text("".join(f"{k}={v}\n" for k, v in FLAGS.items()))
    first_start(root)
    return root


def first_start(root: Path) -> None:
    """What `bin/restart` writes (service/running, service/metrics), computed here for
    the state just built: the script runs `python3 bin/db` twice, and two interpreters
    per host were most of the demo's start-up (issue 18). A test holds the two equal."""
    release = root / "current"
    (root / "service" / "running").write_text((release / "VERSION").read_text())
    pct = bad_error = bad_p99 = 0.0
    broken = release / "checkout.metrics"
    revision = (root / "etc" / "app-revisions" / "CURRENT").read_text().strip()
    if broken.is_file() and revision == "r43" and data.schema_version(root / data.LIVE) == 4:
        pct = float(_values(root / "etc" / "flags").get("new_checkout", 0))
        checkout = _values(broken)
        bad_error, bad_p99 = float(checkout["error_rate"]), float(checkout["p99_ms"])
    damaged = data.damaged_orders(root / data.LIVE) > 0
    lines = []
    for key, text in _values(release / "metrics").items():
        value = float(text)
        if key == "error_rate":
            value += (bad_error - value) * pct / 100
            value = max(value, 0.09) if damaged else value
        elif key == "p99_ms":
            value += (bad_p99 - value) * pct / 100
            value = max(value, 400) if damaged else value
        lines.append(f"{key}={value:g}\n")
    (root / "service" / "metrics").write_text("".join(lines))


def _values(path: Path) -> dict[str, str]:
    """`key=value` lines."""
    pairs = (line.partition("=") for line in path.read_text().splitlines())
    return {key: value for key, _, value in pairs}


def _config(root: Path) -> None:
    """Saved revisions with SHA256SUMS; the live config is the newest (bad) one."""
    live = root / "etc" / "app"
    live.mkdir(parents=True, exist_ok=True)
    for revision, files in CONFIG_REVISIONS.items():
        saved = root / "etc" / "app-revisions" / revision
        saved.mkdir(parents=True, exist_ok=True)
        sums = []
        for name, text in files.items():
            (saved / name).write_text(text)
            (live / name).write_text(text)
            sums.append(f"{hashlib.sha256(text.encode()).hexdigest()}  {name}\n")
        (saved / "SHA256SUMS").write_text("".join(sums))
    (root / "etc" / "app-revisions" / "CURRENT").write_text(f"{revision}\n")


def corrupt_backup(root: Path) -> None:
    """The `corrupt-backup` fault: the base backup no longer matches its checksum."""
    data_setup.corrupt_backup(root)


def current_release(root: Path) -> str:
    return (root / "current").readlink().name
