"""What a restore's undo set aside, read from its hosts' `restored to` (pg_undo.py's words):
said again on the undo's last line and in the document's summary (the PostgreSQL test,
test_undo_sets_aside_pg, shows one host); several hosts each named, three at most, and
only the undo's latest run."""

from __future__ import annotations

from console.model.set_aside import went_aside, went_aside_said


def _after(host: str, seq: int, kept: str, words: str, step: str = "restore.undo") -> dict:
    restored = (
        "the data directory from before this incident's restore; the restored one is kept at"
        f" {kept}, not merged back: {words}"
    )
    return {"seq": seq, "step": step, "host": host, "stage": "after", "restored": restored}


def test_several_hosts_are_named_three_at_most_from_the_latest_run():
    records = [
        _after("db-0", 1, "/pg/data.undone-A", "1 transaction wrote"),  # an earlier run
        *(
            _after(f"db-{n}", 10 + n, f"/pg/data.undone-{n}", f"{n} transactions wrote")
            for n in (1, 2, 3, 4)
        ),
        _after("db-9", 20, "/pg/x", "9 transactions wrote", step="restore"),  # not the undo
        {"seq": 21, "step": "restore.undo", "host": "db-5", "stage": "after", "restored": "x"},
    ]

    went = went_aside(records, "restore.undo", since=5)

    assert list(went) == ["db-1", "db-2", "db-3", "db-4"]
    assert went_aside_said(went) == (
        "the restored data directories set aside, not merged back: db-1: 1 transactions wrote,"
        " kept at /pg/data.undone-1; db-2: 2 transactions wrote, kept at /pg/data.undone-2;"
        " db-3: 3 transactions wrote, kept at /pg/data.undone-3; 1 more host(s)"
    )
    assert went_aside_said({}) == ""
