"""What the record shows of the rollback, read for the close: the hosts no strategy step
rolled back, the stability checks not done (or done before the rollback changed again),
and where and why the walk stopped. `IncidentClosing` is one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from console.model.integrity_judged import NOT_JUDGED
from console.model.kinds import done_by
from console.model.procedure import StepKind
from console.model.state import HostStatus, StepStatus
from console.model.step_state import AFTER_STEP

if TYPE_CHECKING:
    from console.journal.recorder import Recorder
    from console.model.settings import Settings
    from console.model.state import IncidentState


# With no stability check in the procedure (no probe step), each host's verify is what
# verifies the rollback; a strategy with neither verify nor health command verifies
# nothing: its rollback is not verified, as after a check skipped.
NO_CHECK = "a verify (the procedure has no stability check)"
# The data a strategy step brought back, recorded with nothing to judge it by (a recovery
# to a point in time with no `expect`, a backup without `expected-integrity`): its service
# may be verified stable, its data is not, so the rollback is not verified.
NO_DATA_CHECK = "a judgement of the data after"


def no_check_why(strategies: list[str], restarts: dict[str, str] | None = None) -> str:
    """`nothing verified it: strategy “noop” has no verify command, and the procedure no
    stability check (a probe step)`; of those in `restarts` (name: its restart), that its
    verify checked what it changed, not the service its restart restarted."""
    restarts = restarts or {}
    bare = [n for n in strategies if n not in restarts]
    named = ", ".join(f"“{n}”" for n in bare)
    which = f"strategy {named} has" if len(bare) == 1 else f"strategies {named} have"
    said = [f"{which} no verify command"] if bare else []
    said += [
        f"the verify of “{n}” checked what it changed, not the service its restart ({r})"
        " restarted (no `check`: a restart that exits 0 with the service down, or still on"
        " what was rolled back, passes it)"
        for n, r in sorted(restarts.items())
    ]
    return f"nothing verified it: {'; '.join(said)}, and the procedure no stability check (a probe step)"


class RollbackRecord:
    """The queries over the record that the close, headless `run`, drills and the close
    dialog go by; `settings` is the conductor's (a drill replaces it)."""

    settings: Settings
    recorder: Recorder

    @property
    def state(self) -> IncidentState:
        return self.recorder.state

    def not_rolled_back(self) -> list[str]:
        """Selected hosts that no strategy step of the procedure has rolled back (yet), or
        whose rollback was undone since (its undo ran there after the step last did); not
        those that needed nothing (`needed_nothing`): they are where it leaves them."""
        done = self._rolled_back()
        if done is None:
            return []
        needed = self.needed_nothing()
        return [h for h in self.state.hosts if h not in done and h not in needed]

    def nothing_done(self) -> str:
        """What to do when no strategy step sent anything, no host rolled back nor unknown (a
        drill cut short before its rollback, an incident stopped before its strategy):
        "partially rolled back" was offered for it, its hosts left every host. "" when a
        strategy step ran on some host."""
        left = self.not_rolled_back()
        if not left or len(left) < len(self.state.hosts) or self.state.unknown_hosts:
            return ""
        sent = any(  # a re-enable held at 5 % on every host is partly done there
            self.state.step(step.id).hosts
            for step in self.settings.procedure.steps
            if step.kind is StepKind.STRATEGY
        )
        if sent:
            return ""
        done = done_by(self.settings, self.state)
        return f"no host is {done}: close as aborted (saying why), or finish the steps first"

    def needed_nothing(self) -> dict[str, str]:
        """The selected hosts that a strategy step's precheck refused for good (nothing to
        do there: rolled back already by another incident, the flags off already) and none
        rolled back: nothing was changed there. Each with why, as its precheck said."""
        done = self._rolled_back() or set()
        needed: dict[str, str] = {}
        for step in self.settings.procedure.steps:
            if step.kind is StepKind.STRATEGY:
                for host, why in self.state.step(step.id).refused().items():
                    if host in self.state.hosts and host not in done:
                        needed.setdefault(host, why)
        return needed

    def _rolled_back(self) -> set[str] | None:
        """The hosts a strategy step rolled back, not undone since; None when the procedure
        has no strategy step."""
        strategy_steps = [
            s.id for s in self.settings.procedure.steps if s.kind is StepKind.STRATEGY
        ]
        if not strategy_steps:
            return None
        done = set()
        for step_id in strategy_steps:
            undo = self.state.undone(step_id)
            undone = {
                host
                for host, run in (undo.hosts.items() if undo else ())
                if run.status is not HostStatus.NOT_STARTED
            }
            done |= {
                host
                for host, run in self.state.step(step_id).hosts.items()
                if run.status is HostStatus.SUCCEEDED and host not in undone
            }
        return done

    def unverified(self) -> list[str]:
        """Titles of the procedure's stability checks (probe steps) not done, or done
        before a strategy step ahead of them ran (first or again) or was undone (they checked the
        hosts as they were then). With none in the procedure, NO_CHECK when a strategy
        step ran a strategy that verifies nothing on its hosts. NO_DATA_CHECK too where the
        data a step brought back was recorded, not judged (`unjudged_data`)."""
        data = [NO_DATA_CHECK] if self.unjudged_data() else []
        if not self._checks():
            return ([NO_CHECK] if self.unverifying() else []) + data
        return [
            s.title
            for s in self.settings.procedure.steps
            if s.kind is StepKind.PROBE
            and (self.state.step(s.id).status is not StepStatus.DONE or self.changed_since(s.id))
        ] + data

    def unjudged_data(self) -> list[str]:
        """`the data after “Restore the data” on db-1 was recorded, not judged: nothing was
        expected of it`: for each strategy step, the hosts it rolled back (not undone since)
        whose last data after was recorded with nothing to judge it by, and no check of the
        drill's judged it after (`after = "baseline"`). Said alike, hosts together."""
        done = self._rolled_back() or set()
        titles = {
            s.id: s.title for s in self.settings.procedure.steps if s.kind is StepKind.STRATEGY
        }
        last: dict[str, dict[str, Any]] = {}  # each host's last after that could judge it
        for r in self.state.integrity:
            step, judged = r.get("step"), r.get("verdict") != "recorded"
            if r.get("stage") == "after" and (step in titles or (step == AFTER_STEP and judged)):
                last[r.get("host") or "?"] = r
        said: dict[tuple[str, str], list[str]] = {}  # (step's title, why): hosts
        for host, r in sorted(last.items()):
            if host in done and r.get("verdict") == "recorded":
                said.setdefault((titles[r["step"]], r.get("detail") or NOT_JUDGED), []).append(host)
        return [
            f"the data after “{title}” on {', '.join(hosts)} was {why}"
            for (title, why), hosts in said.items()
        ]

    def _checks(self) -> list[str]:
        return [s.id for s in self.settings.procedure.steps if s.kind is StepKind.PROBE]

    def unverifying(self) -> list[str]:
        """The strategies the strategy steps ran that have neither a verify nor a health
        command (a host succeeds there once its action exits 0), or whose verify leaves
        the service its restart restarted unchecked (`unchecked_services`)."""
        known = {s.name: s for s in self.settings.strategies}
        names = []
        for step in self.settings.procedure.steps:
            name = step.strategy or self.state.strategy
            if step.kind is not StepKind.STRATEGY or not self.state.step(step.id).hosts:
                continue
            strategy = known.get(name or "")
            if strategy and not strategy.commands.verifies:
                names.append(strategy.name)
        return sorted({*names, *self.unchecked_services()})

    def unchecked_services(self) -> dict[str, str]:
        """The strategies the strategy steps ran whose verify checked what they changed
        (the files), not the service their restart restarted: name, restart command."""
        known = {s.name: s for s in self.settings.strategies}
        found = {}
        for step in self.settings.procedure.steps:
            name = step.strategy or self.state.strategy
            strategy = known.get(name or "")
            if step.kind is not StepKind.STRATEGY or not self.state.step(step.id).hosts:
                continue
            if strategy is not None:
                defaults = strategy.values_in(None, {})
                values = defaults | strategy.values_in(self.state.strategy, self.state.params)
                if restart := strategy.service_unchecked(values):
                    found[strategy.name] = restart
        return found

    def changed_since(self, probe_id: str) -> str | None:
        """The title of the last strategy step ahead of the stability check `probe_id`
        that ran or was undone after the check passed; None if none did."""
        order = [s.id for s in self.settings.procedure.steps]
        since = self.state.ran_after_check(order, probe_id)
        return self.settings.procedure.step(since[1]).title if since else None

    def stale_checks(self, probe_ids: list[str] | None = None) -> list[str]:
        """`“Verify system stability” passed before “Restore” ran`, for each
        stability check done (of `probe_ids`, default all) that a strategy step ahead of
        it changed since."""
        said = []
        for step in self.settings.procedure.steps:
            if step.kind is not StepKind.PROBE or step.id not in (probe_ids or [step.id]):
                continue
            done = self.state.step(step.id).status is StepStatus.DONE
            if done and (changed := self.changed_since(step.id)):
                said.append(f"“{step.title}” passed before “{changed}” ran")
        return said

    def unverified_why(self) -> str:
        """Why the stability checks are not done, from the record: each one skipped (its
        reason: often how it was checked instead), failed (its summary), done before the
        rollback ran again, or not run; or that the procedure has none."""
        data = self.unjudged_data()
        if not self._checks():
            bare = self.unverifying()  # NO_CHECK: nothing verified the hosts themselves
            said = [no_check_why(bare, self.unchecked_services())] if bare else []
            return "; ".join(said + data)
        why = []
        for step in self.settings.procedure.steps:
            st = self.state.step(step.id)
            if step.kind is not StepKind.PROBE:
                continue
            if st.status is StepStatus.DONE:
                why += self.stale_checks([step.id])
                continue
            if st.status is StepStatus.SKIPPED:
                why.append(f"“{step.title}” skipped: {st.skip_reason}")
            elif st.status is StepStatus.FAILED:
                why.append(f"“{step.title}” failed ({st.summary})")
            else:
                why.append(f"“{step.title}” not run")
        return "; ".join(why + data)

    def stopped_at(self) -> tuple[str | None, StepStatus | None]:
        """The last step of the procedure that stopped the walk (failed, held, refused by
        its prechecks, stopped or halted between waves, or left unknown), and how; (None,
        None) if none did."""
        stopped = (
            StepStatus.FAILED,
            StepStatus.HELD,
            StepStatus.REFUSED,
            StepStatus.STOPPED,
            StepStatus.HALTED,
            StepStatus.UNKNOWN,
        )
        steps = [s.id for s in self.settings.procedure.steps]
        ids = [sid for sid in steps if self.state.step(sid).status in stopped]
        return (ids[-1], self.state.step(ids[-1]).status) if ids else (None, None)

    def why_stopped(self) -> tuple[str, bool]:
        """Why the walk stopped, in words (the last step that failed, with its summary), and
        whether that step was a stability check (a probe step)."""
        step_id, status = self.stopped_at()
        if step_id is None:
            return "the procedure did not finish", False
        step, st = self.settings.procedure.step(step_id), self.state.step(step_id)
        if status in (StepStatus.HELD, StepStatus.REFUSED):  # its summary says so: `held at 5 %
            return f"“{step.title}” {st.summary}", False  # on 3 hosts ...`, `refused at the ...`
        if status is StepStatus.STOPPED and step.kind is StepKind.PROBE:  # cut short
            return f"“{step.title}”: {st.summary}", False
        if status is StepStatus.STOPPED:
            return f"“{step.title}” stopped between waves ({st.summary})", False
        if status is StepStatus.HALTED:  # its summary names the probe
            return f"“{step.title}” halted between waves ({st.summary})", False
        if status is StepStatus.UNKNOWN:
            return f"“{step.title}” outcome unknown ({st.summary})", False
        return f"“{step.title}” failed ({st.summary})", step.kind is StepKind.PROBE

    def refused_why(self) -> str:
        """The reason to close as refused when the walk stopped at a step its prechecks
        refused (nothing to do there, nothing changed there; the others succeeded): the
        step's title and summary, which name the refused hosts. "" when it did not: headless
        `run` and the console's close dialog both go by it."""
        if self.stopped_at()[1] is not StepStatus.REFUSED:
            return ""
        return self.why_stopped()[0]

    def unproven(self) -> str:
        """Why the record does not show every host rolled back and verified, and what to
        do; empty when it does ("rolled back and verified" may close it)."""
        left, unverified = self.not_rolled_back(), self.unverified()
        if not (left or unverified):
            return ""
        done = done_by(self.settings, self.state)  # "re-enabled" after a gradual re-enable
        missing = [f"not {done}: {', '.join(left)}"] if left else []
        stale = self.stale_checks()
        undone = [
            t for t in unverified if t != NO_DATA_CHECK and not any(f"“{t}”" in w for w in stale)
        ]
        if undone == [NO_CHECK]:
            missing.append(no_check_why(self.unverifying(), self.unchecked_services()))
        elif undone:
            missing.append(f"not done: {', '.join(undone)}")
        missing += stale + self.unjudged_data()
        # Partially rolled back names the hosts left: only offered when some are.
        check = "finish the stability check first, or " if self._checks() else ""
        advice = (
            self.nothing_done() or f"close as partially {done}, or finish the steps first"
            if left
            else f"every host is {done}: {check}close as {done}, not verified"
            " (saying how it was checked)"
        )
        return (
            f"the record does not show every host {done} and verified ("
            + "; ".join(missing)
            + f"): {advice}"
        )
