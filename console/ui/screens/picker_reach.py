"""The picker's SSH check of every host: the answers as they come, in batches, on the tree
and in `#reach`, and an unknown key accepted from there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.timer import Timer
from textual.widgets import Static

from console.engine.host_trust import trust_host_key
from console.engine.reach import Reach
from console.ui.screens.hostkeys import accept_host_key, sharing_the_key
from console.ui.widgets.host_tree import HostTree
from console.ui.widgets.reach_text import reach_text

if TYPE_CHECKING:
    from console.ui.screens.picker import PickerScreen

BATCH_SECONDS = 0.1  # answers are shown in batches, not one by one


class ReachPane:
    """What the picker shows of the app's ReachCheck, while it is the picker shown."""

    def __init__(self, screen: PickerScreen) -> None:
        self.screen = screen
        self._timer: Timer | None = None

    def listen(self) -> None:
        """Hear the answers from now on (the picker shown: each time it is)."""
        if (reach := self.screen.app.reach) is not None:
            reach.listener = self._reached

    def stop_listening(self) -> None:
        reach = self.screen.app.reach
        if reach is not None and reach.listener == self._reached:
            reach.listener = None

    def recheck(self, hosts: list[str] | None) -> None:
        """Ask every host in the inventory (or `hosts`) whether it answers over SSH, now."""
        screen = self.screen
        reach = screen.app.reach
        if reach is None:
            return
        self.listen()
        hosts = hosts or [h.name for s in screen.app.settings.inventory.systems for h in s.hosts]
        # The app's worker, not the screen's: a screen gone before its worker began left the
        # check running with no one to end it, its answers told to a screen without widgets
        # (random keys at 80x24: 'NoMatches: No nodes match '#reach''). It runs to its end,
        # its connections kept for the rollback; the picker shown hears it.
        screen.app.run_worker(reach.start(hosts), group="reach", exit_on_error=False)
        for host in hosts:
            screen.host_tree.relabel_host(host)
        self.show()

    def _gone(self) -> bool:
        """The picker is being taken down: its widgets go before its timers and before
        `on_unmount` stops its listening. Seen at 80x24 on 100 real sshd hosts, Enter
        pressed on the picker while its SSH check still ran: the batch's timer then found
        no `#reach` and the console crashed ('NoMatches'), the incident just declared."""
        return not self.screen.query(HostTree)

    def _reached(self, answer: Reach) -> None:
        if self._gone():
            self.stop_listening()
            return
        self.screen.host_tree.relabel_host(answer.host)
        if self._timer is None:
            self._timer = self.screen.set_timer(BATCH_SECONDS, self._tick)

    def _tick(self) -> None:
        self._timer = None
        self.show()

    def show(self) -> None:
        """How the selected hosts (else all) answered, and why the one under the cursor
        did not."""
        screen = self.screen
        reach = screen.app.reach
        if self._gone():
            return
        label = screen.query_one("#reach", Static)
        if reach is None:
            label.display = False
            return
        inventory = screen.app.settings.inventory
        tree = screen.host_tree
        hosts = inventory.hosts_in_order(tree.selected) or [
            h.name for s in inventory.systems for h in s.hosts
        ]
        which = "selected" if tree.selected else "all"
        node = tree.cursor_node
        cursor = node.data[1] if node and node.data else None
        key = screen.app.key_label
        label.update(reach_text(reach, hosts, which, cursor, label.content_size.width, key))

    def accept_key(self) -> None:
        """Trust the unknown key under the cursor, then check again whose key it is."""
        screen = self.screen
        node = screen.host_tree.cursor_node
        reach = screen.app.reach
        answer = reach.results.get(node.data[1]) if reach and node and node.data else None
        if answer is None:
            screen.notify("Put the cursor on a host whose SSH check found an unknown key.")
            return
        sharing = sharing_the_key(answer, reach.results.values() if reach else ())
        declared = screen.declaration is None and screen.app.conductor is not None
        accept_host_key(
            screen,
            answer,
            next_step="Checking it again.",
            accepted=lambda _: self.recheck(sharing),
            trust=self._trust,
            recorded="and journalled"
            if declared
            else "; journalled in the incident once it is declared "
            f"({screen.app.key_label('picker.continue')})",
        )

    async def _trust(self, host: str, fingerprint: str) -> None:
        """Into the open incident's record; during a declaration, recorded once it is."""
        app = self.screen.app
        if self.screen.declaration is None and app.conductor is not None:
            await app.conductor.accept_host_key(host, fingerprint)
            return
        accepted = await trust_host_key(app.settings, app.engine.pool, host, fingerprint)
        if accepted is not None:
            app.lifecycle.unrecorded_keys.append(accepted)
