"""The picker's tree at 80x24 (35 columns) with 40-character names: each host keeps its
answer over SSH and a name that tells it from its neighbours; each system its counts."""

from __future__ import annotations

from textual.app import App, ComposeResult

from console.engine.reach import Reach, ReachCheck
from console.model.inventory import Inventory
from console.model.status import FailureClass
from console.ui.widgets.host_tree import HostTree

SYSTEM = "payments-ledger-reconciliation-service-eu-west"
HOSTS = [f"payments-ledger-reconciliation-eu-west-1a-{n:03d}" for n in range(1, 4)]


class TreeApp(App):
    CSS = "HostTree { width: 35; }"  # the picker's tree at 80x24

    def __init__(self) -> None:
        super().__init__()
        self.inventory = Inventory.validated(
            {
                "systems": [
                    {"name": "web", "hosts": [{"name": "web-1"}]},
                    {"name": SYSTEM, "hosts": [{"name": h} for h in HOSTS]},
                ]
            }
        )
        self.reach = ReachCheck(None, self.inventory)  # type: ignore[arg-type]  # no pool
        self.reach.results = {h: Reach(h) for h in ["web-1", *HOSTS]}
        self.reach.results[HOSTS[1]] = Reach(HOSTS[1], FailureClass.AUTH, "denied")

    def compose(self) -> ComposeResult:
        yield HostTree(self.inventory, self.reach)


def shown(tree: HostTree) -> list[str]:
    """The tree's lines as drawn, at its width."""
    return [tree.render_line(y).text.rstrip() for y in range(tree.last_line + 1)]


async def test_long_names_keep_their_answer_and_their_end_on_35_columns():
    """Seen on a real sshd fleet at 80x24: every host read '├─ ☐ payments-ledger-reconciliat'
    (its end and its '✔ up' or '✘ auth failed' off the edge: failed and up looked alike,
    and so did every host), the system '▼ ☐ payments-ledger-reconciliati' without its
    counts."""
    app = TreeApp()
    async with app.run_test(size=(80, 24)) as pilot:
        tree = app.query_one(HostTree)
        await pilot.pause()
        tree.relabel()
        await pilot.pause()
        lines = shown(tree)
        assert lines[1].endswith("☐ web-1  ✔ up"), lines
        assert "0/3" in lines[2] and "✘ 1" in lines[2], lines[2]
        first, second, third = lines[3:6]
        assert first.endswith("1a-001  ✔ up"), first
        assert second.endswith("1a-002  ✘ auth failed"), second
        assert third.endswith("1a-003  ✔ up"), third
        assert all("…" in line for line in (first, second, third))
        assert all(len(line) <= 35 for line in lines), lines


async def test_hosts_that_differ_mid_name_are_told_apart_where_they_are_picked():
    """With an eu-west and a us-west host, the tree read '☐ payme…1a-001  ✔ up' twice: a
    user ticking one to roll back could not tell which. Names cut alike keep where they
    differ."""
    app = TreeApp()
    twins = [f"payments-ledger-reconciliation-{r}-west-1a-001" for r in ("eu", "us")]
    app.inventory = Inventory.validated(
        {"systems": [{"name": "payments", "hosts": [{"name": h} for h in twins]}]}
    )
    app.reach = ReachCheck(None, app.inventory)  # type: ignore[arg-type]  # no pool
    app.reach.results = {h: Reach(h) for h in twins}
    async with app.run_test(size=(80, 24)) as pilot:
        tree = app.query_one(HostTree)
        await pilot.pause()
        tree.relabel()
        await pilot.pause()
        eu, us = shown(tree)[1:3]
        assert eu != us and eu.endswith("✔ up") and us.endswith("✔ up"), (eu, us)
        assert "-eu-" in eu and "-us-" in us and "…" in eu, (eu, us)
        assert all(len(line) <= 35 for line in (eu, us))
