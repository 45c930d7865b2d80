"""bench/HISTORY.md takes new measurements at its end, listed in its index, and changes
nothing it holds: `bench/ui.py --write` replaced a marked section of bench/RESULTS.md
instead, rewriting figures of 28 November in place (their history now in HISTORY.md)."""

from pathlib import Path

from bench.history import HISTORY, add_section


def test_a_new_section_goes_at_the_end_and_in_the_index(tmp_path: Path) -> None:
    history = tmp_path / "HISTORY.md"
    before = HISTORY.read_text()
    history.write_text(before)
    title = "Notes, `abc12345` (2026-12-07 08:00 UTC, issue 18)"

    add_section(title, "| a | b |\n|---|---|\n| 1 | 2 |\n", history)
    add_section(title, "again", history)

    after = history.read_text()
    assert after.endswith(
        f"### {title}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n### {title}\n\nagain\n"
    )
    index = after[after.index("## Index\n\n") :].split("\n\n")[1].splitlines()
    assert index[-2:] == [
        f"  - [{title}](#notes-abc12345-2026-12-07-0800-utc-issue-18)",
        f"  - [{title}](#notes-abc12345-2026-12-07-0800-utc-issue-18-1)",
    ]
    kept = [line for line in after.splitlines() if line not in index[-2:]]
    assert "\n".join(kept).startswith(before.rstrip("\n"))
