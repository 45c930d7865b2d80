"""The home screen's systems: each with its hosts, the strategies that apply and its RTO,
in one line at 80 columns whatever the names' length."""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import DataTable

from console.journal.times import minutes
from console.model.inventory import System
from console.ui.widgets.one_line import distinct_cuts, middle_cut
from console.ui.widgets.plain import plain

SYSTEM_CELLS, STRATEGIES_CELLS = 18, 40  # cut in the middle past these


def _strategies(names: list[str]) -> str:
    if len(names) <= 2:
        return ", ".join(names) or "–"
    return f"{', '.join(names[:2])} +{len(names) - 2}"


class SystemsTable(DataTable):
    """A row a system, keyed by its name. Names cut alike keep where they differ
    (distinct_cuts): `payments-eu-ledger-reconciliation` and `payments-us-...` both read
    `payments…nciliation`, two rows a commander could not tell apart."""

    def show_systems(self, systems: Sequence[System]) -> None:
        # Text, not str: a str label or cell is read as Rich markup, whose first use loads
        # its emoji table (~11 M instructions on the way to the first frame).
        self.add_columns(*map(plain, ("System", "Hosts", "Strategies", "RTO")))
        names = distinct_cuts([s.name for s in systems], SYSTEM_CELLS)
        for system in systems:
            self.add_row(  # a 40-character name left no room for the RTO at 80 columns
                plain(names[system.name]),
                plain(len(system.hosts)),
                plain(middle_cut(_strategies(system.strategies), STRATEGIES_CELLS)),
                plain(minutes(system.rto_minutes) if system.rto_minutes else "–"),
                key=system.name,
            )
