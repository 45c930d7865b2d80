"""What stops a run, and how its hosts are told: an abort, a halt, a hang-up, a detach."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from console.engine.local import LocalProcesses
from console.engine.run_plan import HostOutcome
from console.engine.ssh import SshPool
from console.engine.targets import Target
from console.journal.recorder import Recorder
from console.model.events import Kind
from console.model.status import HUNG_UP, HostStatus, detached_reason

# How long a detach waits for the hosts it found still being reached to say they were
# sent nothing (their waits are cancelled: at once, unless the I/O loop is stuck).
DETACH_SETTLE_SECONDS = 5.0


class RunStops:
    """A run's stops: who stopped it and why, the hosts not begun told so, the commands
    under way stopped, held or let be."""

    def __init__(self, pool: SshPool, recorder: Recorder):
        self.pool = pool
        self.recorder = recorder
        self._handles: set[str] = set()
        self._first: set[str] = set()  # of them, the hosts' first commands
        self._handle_gone = asyncio.Event()  # set as a command's handle is let go
        # The hosts of running steps that have not begun (no intent yet), by (step,
        # host): a detach says at once that they were not started, before the console
        # quits (their step's task dies with it).
        self._waiting: dict[tuple[str, str], Target] = {}
        self.local = LocalProcesses(recorder.path.parent, pool.files, pool.defaults.max_commands)
        self.aborted: str | None = None
        self.abort_signal = asyncio.Event()  # set with `aborted`: wakes what waits (a soak)
        self._cut_pause = asyncio.Event()  # set by an abort or a detach: a pause ends
        self.halted = ""  # why the run was halted, once it was: its later hosts not started
        # Journals a max-fail halt once it holds something back (`holds_back`): crossed
        # once every host had begun (its last wave, its last stage), it halts nothing.
        self._held_back: Callable[[], None] | None = None
        self.detached = False  # the console quits leaving the running commands be
        self.detached_why: str | None = None  # why, when nobody chose it (a signal)
        self.hung_up: str | None = None  # why a headless command's terminal went away

    def arm(self) -> None:
        """A step starts: an abort from now on stops it (a past one does not)."""
        self.aborted = None
        if not self.hung_up:  # a hang-up holds for the rest of the process
            self.abort_signal.clear()
        if not (self.detached or self.hung_up):
            self._cut_pause.clear()

    def _cut(self) -> bool:
        """Whether a command not sent yet must not be: the step was aborted, or the
        console detached (read from the I/O thread too: `abort` sets it first)."""
        return bool(self.aborted or self.detached)

    def _cut_new(self) -> bool:
        """`_cut`, for a host's first command: hung up or halted too (nothing new starts;
        one still waiting its turn for open files when the run halted was sent after it)."""
        return bool(self.aborted or self.detached or self.hung_up or self.halted)

    def _stopped(self) -> bool:
        return bool(self.aborted or self.halted or self.detached or self.hung_up)

    def _why_stopped(self) -> str:
        if self.aborted:
            return f"aborted: {self.aborted}"
        if self.hung_up:
            return f"{HUNG_UP}{self.hung_up}"
        if not self.detached:
            return f"the run was halted: {self.halted}"
        return detached_reason(self.detached_why)

    def _not_started(self, step: str, wave: list[Target], outcomes: dict[str, HostOutcome]) -> None:
        for target in wave:
            outcomes[target.name] = self._say_not_started(step, target)

    def holds_back(self) -> None:
        """The halt holds a host (or a later stage) back: journalled now, before the
        hosts it did not start, if it waits to be (`_held_back`)."""
        if self._held_back is not None:
            record, self._held_back = self._held_back, None
            record()

    def _say_not_started(self, step: str, target: Target) -> HostOutcome:
        """Journal that `target` was not started, and why, unless that is said already
        (a detach says it for every host not begun, at once). Held for one fsync with
        the others: `await recorder.sync()` after (500 hosts' fsyncs took 0.64 s)."""
        if self._waiting.pop((step, target.name), None) is not None:
            self.holds_back()
            self.recorder.record_deferred(
                Kind.HOST_NOT_STARTED,
                system=target.system,
                host=target.name,
                step=step,
                reason=self._why_stopped(),
            )
        return HostOutcome(target.name, HostStatus.NOT_STARTED)

    async def abort(self, reason: str) -> None:
        """Stop every running remote process; hosts that did not start never will."""
        self.aborted = reason
        self.abort_signal.set()
        self._cut_pause.set()
        handles = list(self._handles)
        await asyncio.gather(self.pool.stop(handles), self.local.stop(handles))

    async def hang_up(self, why: str) -> None:
        """A headless command's terminal went away: what runs goes on to its end, watched
        and journalled (a host past its change gets its verify); nothing new starts."""
        self.hung_up = why
        self.abort_signal.set()  # a wait between rounds, or on a question, ends
        await self._none_begin()
        await self.local.files.cut()  # commands waiting their turn for open files: not sent
        await self.pool.hold(list(self._first))  # hosts still being reached: not sent

    async def _none_begin(self) -> None:
        """No host, wave or pause begins any more: those waiting are journalled so."""
        self._cut_pause.set()
        for (step, _), target in list(self._waiting.items()):
            self._say_not_started(step, target)
        await self.recorder.sync()

    async def detach(self, why: str | None = None) -> None:
        """Let the running commands go on without the console (their supervisors stop
        watching for the session's end); no stage or host starts any more. Returns once
        every host of the running steps is on record as begun or not started (those still
        being reached too, bounded): the console may quit then and leave nobody out.
        `why`: the reason when nobody chose it (its terminal closed), said of those hosts."""
        self.detached_why = why
        self.detached = True
        await self._none_begin()
        handles = list(self._handles)
        unsent, local = await asyncio.gather(self.pool.detach(handles), self.local.detach(handles))
        reaching = [h for h in unsent if h not in local]  # a local process runs on
        loop = asyncio.get_running_loop()
        end = loop.time() + DETACH_SETTLE_SECONDS
        while any(h in self._handles for h in reaching) and (left := end - loop.time()) > 0:
            self._handle_gone.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._handle_gone.wait(), left)
