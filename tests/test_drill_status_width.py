"""`drill --status` in an 80-column terminal: each row's standing on its line, its scenario
and last drill under it, where the whole row would not fit (console/journal/drill_text.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.cli import main
from tests.test_drill_schedule import write_drill


def test_the_schedule_fits_an_80_column_terminal(capsys, tmp_path, monkeypatch):
    """Walked as a new commander on a real fleet: one system, drilled once, on a monthly
    and a before-deploy cadence: `drill --status` printed rows of 106 columns, each
    wrapped by the terminal across two lines, the header too."""
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(tmp_path))
    at = datetime.now(UTC) - timedelta(hours=1)
    write_drill(tmp_path / "demo-incidents", "d-web", "web-release", at, passed=True)
    assert main(["drill", "--demo", "--status"]) == 1  # the demo's others: never drilled
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 79, lines
    assert lines[0].split() == ["system", "cadence", "next", "due", "state"], lines
    monthly = next(n for n, line in enumerate(lines) if line.split()[:2] == ["web", "monthly"])
    assert lines[monthly].endswith("  ok"), lines
    last = f"last drill {at:%Y-%m-%d %H:%M} passed, recovery 42 s / 15 min"
    assert lines[monthly + 1] == f"  web-release: {last}", lines
    api = next(n for n, line in enumerate(lines) if line.startswith("api "))
    assert lines[api].endswith("OVERDUE") and lines[api + 1] == "  api-breach: never drilled"
