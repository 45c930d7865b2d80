"""A demo host's orders database: migrations, a base backup, a transaction log.

Standalone (stdlib only): this file is copied into every sandbox as `bin/db`, which the
strategies run with `python3`; data_setup.py builds the state it reads.
Every command that changes the live database keeps the replaced copy for undo.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import shutil
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

LIVE = Path("data/app.db")
MIGRATIONS = Path("data/migrations")
BASE = Path("backups/base.db")
TXLOG = Path("txlog/orders.log")
KEPT = Path("backups/replaced.db")
LOCK = Path("data/.owner.lock")

MIGRATION_SQL = [
    (
        "create_orders",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL,"
        " total_cents INTEGER NOT NULL, created_at TEXT NOT NULL);",
        "DROP TABLE orders;",
    ),
    (
        "create_customers",
        "CREATE TABLE customers (name TEXT PRIMARY KEY, country TEXT NOT NULL);",
        "DROP TABLE customers;",
    ),
    (
        "index_orders_customer",
        "CREATE INDEX orders_customer ON orders(customer);",
        "DROP INDEX orders_customer;",
    ),
    (
        "orders_discount",
        "ALTER TABLE orders ADD COLUMN discount_cents INTEGER NOT NULL DEFAULT 0;",
        "ALTER TABLE orders DROP COLUMN discount_cents;",
    ),
]
CUSTOMERS = [("ada", "GB"), ("grace", "US"), ("linus", "FI"), ("margaret", "US")]
BASE_ORDERS = 12
LOG_ENTRIES = 8
BASE_TIME = "2025-05-16T10:00:00Z"


class DbError(Exception):
    """A refusal: printed on stderr, exit status 3."""


# -- integrity ------------------------------------------------------------------


def summary(path: Path) -> dict[str, object]:
    """Content checksum over every table's rows in a stable order, plus row counts."""
    digest = hashlib.sha256()
    rows: dict[str, int] = {}
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        for table in tables:
            data = conn.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
            digest.update(f"{table}\n{data!r}\n".encode())
            rows[table] = len(data)
    return {"checksum": digest.hexdigest()[:16], "rows": rows}


def integrity_line(stage: str, found: dict) -> str:
    """`integrity stage=S checksum=C rows.T=N ...`: what the engine parses."""
    parts = [f"integrity stage={stage}"]
    if found.get("checksum"):
        parts.append(f"checksum={found['checksum']}")
    parts += [f"rows.{t}={n}" for t, n in sorted(found.get("rows", {}).items())]
    return " ".join(parts)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def remember_rows(path: Path = LIVE) -> None:
    """Record the live row counts as the expected ones (after a build or a restore)."""
    Path(f"{path}.rows").write_text(json.dumps(summary(path)["rows"]) + "\n")


def drift(path: Path = LIVE) -> int:
    """Rows gained or lost since the counts were last recorded: anything but 0 means
    something changed the data behind the database owner's back."""
    expected: dict[str, int] = json.loads(Path(f"{path}.rows").read_text())
    found: dict[str, int] = summary(path)["rows"]  # type: ignore[assignment]
    return sum(abs(found.get(t, 0) - n) for t, n in expected.items()) + sum(
        n for t, n in found.items() if t not in expected
    )


def damaged_orders(path: Path) -> int:
    """Orders with a zero total, which fail payments; 0 when there is no orders table."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT count(*) FROM orders WHERE total_cents = 0").fetchone()[0]
    except sqlite3.Error:
        return 0


# -- schema ---------------------------------------------------------------------


def schema_version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]


def migration_file(number: int, direction: str) -> Path:
    name = MIGRATION_SQL[number - 1][0] if number <= len(MIGRATION_SQL) else "unknown"
    return MIGRATIONS / f"{number:03d}_{name}.{direction}.sql"


def down_plan(current: int, target: int) -> list[Path]:
    """The down files from `current` to `target`, newest first; refuse a gap."""
    if not 0 <= target <= current:
        raise DbError(f"target version {target} is not between 0 and {current}")
    plan = [migration_file(n, "down") for n in range(current, target, -1)]
    missing = [str(p) for p in plan if not p.is_file()]
    if missing:
        raise DbError(f"down migration missing: {', '.join(missing)}")
    return plan


def migrate(path: Path, files: list[Path], version_after) -> None:
    """Apply each file in its own transaction, setting user_version after each."""
    with sqlite3.connect(path, isolation_level=None) as conn:
        for file, version in zip(files, version_after, strict=True):
            conn.execute("BEGIN")
            conn.executescript(f"{file.read_text()}\nPRAGMA user_version = {version};")
            print(f"applied {file.name}: schema version {version}")


# -- transaction log ------------------------------------------------------------


def log_entries() -> list[dict]:
    return [json.loads(line) for line in TXLOG.read_text().splitlines() if line.strip()]


def select_entries(seq: str | None, until: str | None) -> list[dict]:
    """Entries up to a sequence number (or `latest`), or at or before a timestamp."""
    entries = log_entries()
    if until is not None:
        stamp = utc(until)
        return [e for e in entries if utc(e["ts"]) <= stamp]
    if seq in (None, "latest"):
        return entries
    last = int(seq)
    end = entries[-1]["seq"] if entries else 0
    if last > end:
        raise DbError(f"the log ends at sequence {end}, not {last}")
    return [e for e in entries if e["seq"] <= last]


def utc(text: str) -> datetime:
    """A timestamp as aware UTC; one without an offset is taken as UTC."""
    when = datetime.fromisoformat(text.replace(" ", "T"))
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def apply_entries(conn: sqlite3.Connection, entries: list[dict]) -> None:
    for entry in entries:
        conn.execute(entry["sql"], entry["args"])


def expected_after(entries: list[dict]) -> dict:
    """What the log says the database held after its last selected entry."""
    if entries:
        return {"checksum": entries[-1]["checksum"], "rows": entries[-1]["rows"]}
    return json.loads(Path(f"{BASE}.integrity").read_text())


# -- restore --------------------------------------------------------------------


def check_backup() -> None:
    recorded = Path(f"{BASE}.sha256").read_text().split()[0]
    actual = file_sha256(BASE)
    if actual != recorded:
        raise DbError(f"backup {BASE} checksum {actual[:16]} != recorded {recorded[:16]}")
    print(f"backup ok: {BASE} sha256 {actual[:16]}")


@contextlib.contextmanager
def owner_lock(root: Path = Path()):
    """Held while the live database file is replaced, and by a job writing to it."""
    with (root / LOCK).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def replace_live(new: Path) -> None:
    """Keep the live database for undo, then move `new` into its place."""
    with owner_lock():
        shutil.copy2(LIVE, KEPT)
        new.replace(LIVE)
        remember_rows()


def restore(entries: list[dict] | None) -> None:
    """Base backup, then the given log entries, into a scratch copy; then swap it in."""
    check_backup()
    scratch = LIVE.with_suffix(".restoring")
    shutil.copy2(BASE, scratch)
    if entries:
        with sqlite3.connect(scratch) as conn:
            apply_entries(conn, entries)
        print(f"replayed {len(entries)} log entries up to sequence {entries[-1]['seq']}")
    replace_live(scratch)
    print(f"restored {LIVE} from {BASE}")


def undo() -> None:
    if not KEPT.is_file():
        raise DbError(f"nothing to undo: {KEPT} is missing")
    shutil.copy2(KEPT, LIVE)
    remember_rows()
    print(f"put back {LIVE} from {KEPT}")


# -- the bin/db command line ------------------------------------------------------


def status() -> None:
    """key=value lines for the assessment step."""
    entries = log_entries()
    print(f"schema_version={schema_version(LIVE)}")
    print(f"last_backup={Path(f'{BASE}.taken').read_text().strip()}")
    print(f"txlog_last_seq={entries[-1]['seq'] if entries else 0}")
    print(f"data_checksum={summary(LIVE)['checksum']}")


USAGE = (
    "usage: db version|status|damaged|drift|integrity STAGE|check-down V|migrate-down V|check-backup|"
    "expected-backup|restore-backup|replay SEQ|expected-replay SEQ|recover TS|"
    "expected-recover TS|undo"
)


def run(command: str | None, arg: str | None) -> bool:
    """Run one command; False if it is not a command."""
    if command == "version":
        print(f"schema_version={schema_version(LIVE)}")
    elif command == "damaged":
        print(damaged_orders(LIVE))
    elif command == "drift":
        print(drift())
    elif command == "status":
        status()
    elif command == "integrity":
        print(integrity_line(arg or "current", summary(LIVE)))
    elif command == "check-down":
        plan = down_plan(schema_version(LIVE), int(arg or ""))
        print("down plan: " + (" ".join(p.name for p in plan) or "nothing to do"))
    elif command == "migrate-down":
        current, target = schema_version(LIVE), int(arg or "")
        plan = down_plan(current, target)
        shutil.copy2(LIVE, KEPT)
        migrate(LIVE, plan, range(current - 1, target - 1, -1))
        remember_rows()
    elif command == "check-backup":
        check_backup()
    elif command == "restore-backup":
        restore(None)
    elif command == "expected-backup":
        print(integrity_line("expected", expected_after([])))
    elif command == "replay":
        restore(select_entries(arg, None))
    elif command == "expected-replay":
        print(integrity_line("expected", expected_after(select_entries(arg, None))))
    elif command == "recover":
        restore(select_entries(None, arg or ""))
    elif command == "expected-recover":
        print(integrity_line("expected", expected_after(select_entries(None, arg or ""))))
    elif command == "undo":
        undo()
    else:
        return False
    return True


def main(argv: list[str]) -> int:
    """`db COMMAND [ARG]`; refusals exit 3 with the reason on stderr."""
    command, arg = ([*argv, None, None])[:2]
    try:
        if not run(command, arg):
            print(USAGE, file=sys.stderr)
            return 2
    except (DbError, sqlite3.Error, OSError, ValueError, KeyError) as exc:
        print(f"db: {exc}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
