"""A demo host's orders database made afresh at start (`build`), and damaged by the
`corrupt-data` and `corrupt-backup` faults; in the console's process, never in `bin/db`."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from console.demo.data import (
    BASE,
    BASE_ORDERS,
    BASE_TIME,
    CUSTOMERS,
    LIVE,
    LOG_ENTRIES,
    MIGRATION_SQL,
    MIGRATIONS,
    TXLOG,
    file_sha256,
    migration_file,
    owner_lock,
    remember_rows,
    summary,
)

# The demo's data is built afresh on every start: waiting for the disk at each of its
# commits (seconds per host on a busy machine) buys no durability anyone needs.
NO_SYNC = "PRAGMA synchronous = OFF"


def build(root: Path, damaged: bool) -> None:
    """Migrations, base backup, transaction log, and the live database (`damaged`: by a bad job)."""
    (root / MIGRATIONS).mkdir(parents=True, exist_ok=True)
    for dir_ in (BASE.parent, TXLOG.parent):
        (root / dir_).mkdir(parents=True, exist_ok=True)
    for number, (_name, up, down) in enumerate(MIGRATION_SQL, start=1):
        (root / migration_file(number, "up")).write_text(up + "\n")
        (root / migration_file(number, "down")).write_text(down + "\n")
    base = root / BASE
    with sqlite3.connect(base, isolation_level=None) as conn:
        conn.execute(NO_SYNC)
        for number, (_name, up, _down) in enumerate(MIGRATION_SQL, start=1):
            conn.executescript(f"{up}\nPRAGMA user_version = {number};")
        conn.executemany("INSERT INTO customers VALUES (?, ?)", CUSTOMERS)
        for i in range(1, BASE_ORDERS + 1):
            conn.execute(
                "INSERT INTO orders (customer, total_cents, created_at) VALUES (?, ?, ?)",
                (CUSTOMERS[i % 4][0], 1000 + 137 * i, f"2025-05-15T{i + 8:02d}:00:00Z"),
            )
    conn.close()
    Path(f"{base}.sha256").write_text(f"{file_sha256(base)}  base.db\n")
    Path(f"{base}.integrity").write_text(json.dumps(summary(base)) + "\n")
    Path(f"{base}.taken").write_text(BASE_TIME + "\n")
    live = root / LIVE
    shutil.copy2(base, live)
    lines = []
    with sqlite3.connect(live) as conn:
        conn.execute(NO_SYNC)
        for seq in range(1, LOG_ENTRIES + 1):
            ts = f"2025-05-16T10:{seq * 7:02d}:00Z"
            if seq % 3:
                sql = "INSERT INTO orders (customer, total_cents, created_at) VALUES (?, ?, ?)"
                args = [CUSTOMERS[seq % 4][0], 2000 + 91 * seq, ts]
            else:
                sql = "UPDATE orders SET total_cents = total_cents + ? WHERE id = ?"
                args = [50, seq]
            conn.execute(sql, args)
            conn.commit()
            found = summary(live)
            lines.append(json.dumps({"seq": seq, "ts": ts, "sql": sql, "args": args, **found}))
        if damaged:  # a broken job of the bad delivery, outside the log
            conn.execute("UPDATE orders SET total_cents = 0 WHERE id % 4 = 0")
            conn.execute("DELETE FROM orders WHERE id > 15")
    conn.close()
    (root / TXLOG).write_text("\n".join(lines) + "\n")
    remember_rows(live)


def lose_order(root: Path, held: int) -> bool:
    """The `corrupt-data` fault's one step: the newest order disappears, outside the
    application and its log. False once the file `held` (an inode) was replaced by a
    restore, or nothing is left to lose."""
    with owner_lock(root):
        if (root / LIVE).stat().st_ino != held:
            return False
        try:
            with sqlite3.connect(root / LIVE, timeout=5) as conn:
                row = conn.execute("SELECT max(id) FROM orders").fetchone()
                if row is not None and row[0] is not None:
                    conn.execute("DELETE FROM orders WHERE id = ?", (row[0],))
            conn.close()
        except sqlite3.Error:  # no orders table (migrated down): nothing to lose
            return False
    return row is not None and row[0] is not None


def corrupt_backup(root: Path) -> None:
    """Flip bytes in the base backup so its checksum no longer matches the record."""
    path = root / BASE
    data = bytearray(path.read_bytes())
    data[-64:] = bytes(b ^ 0xFF for b in data[-64:])
    path.write_bytes(bytes(data))
