"""Headless commands: run and drill the procedure, exec one command, sample the probes."""

from __future__ import annotations

import argparse
import asyncio
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple

from console.cli.common import (
    existing_journal,
    load,
    parse_faults,
    resolve_hosts,
    split,
    unknown_system,
)
from console.cli.liboqs import look_ahead
from console.cli.parser import UsageError

if TYPE_CHECKING:
    from console.engine.host_trust import HostKeys
    from console.engine.ssh import SshPool
    from console.model.inventory import Inventory
    from console.model.loading import InventoryRead
    from console.model.settings import Settings


# The young generation's collection threshold of a headless run (Python's default is 700;
# 3.13 raised it to 2,000): cyclic garbage waits at most this many allocations.
RUN_GEN0 = 7000


@contextmanager
def _start_up() -> Iterator[None]:
    """A headless command's start-up, with the garbage collector off: the imports and the
    configuration's models make ~55,000 objects that live as long as the process, and the
    ~120 collections among them freed ~1,400 objects in exec's start-up (issue 18). What it
    made is parked (never scanned again) and collection resumes before the first command
    is sent (exec's handshakes start within it); after a usage error it resumes too. The search for liboqs that importing
    asyncssh makes (processes to wait for) runs in a thread meanwhile. From then on a
    young generation is collected every RUN_GEN0 allocations, not 700: most of a fan-out's
    objects are freed by their counts before that, and fewer of them are moved on to be
    scanned again (a whole exec on 200 real hosts: the collector 65 -> 43 M instructions)."""
    was_enabled = gc.isenabled()
    gc.disable()
    look_ahead()
    try:
        yield
        gc.freeze()
        young, *older = gc.get_threshold()
        gc.set_threshold(max(young, RUN_GEN0), *older)
    finally:
        if was_enabled:
            gc.enable()


def run(args: argparse.Namespace) -> int:
    """`run` and `drill`."""
    with _start_up():
        from console.cli.forms import form_values, parse_outcome
        from console.cli.given_params import given_params
        from console.engine.walk import RunRequest, check_request
        from console.model.triggers import TriggerKind

        settings = load(args, demo=args.demo)
        faults = parse_faults(args.inject, settings, args.demo)
        settings, params = given_params(settings, args)
        systems, hosts = split(args.systems), split(args.hosts)
        resolve_hosts(settings.inventory, systems, hosts)  # as exec checks them
        if args.command == "drill":
            _no_production(settings, systems, hosts)
        request = RunRequest(
            systems=systems,
            hosts=hosts,
            strategy=args.strategy or _only_strategy(settings, systems),
            params=params,
            trigger=None if args.trigger == "auto" else TriggerKind(args.trigger),
            reason=args.reason,
            yes=args.yes,
            title=args.title,
            accept_keys=host_keys(args.accept_host_key),
            form=form_values(args.form, args.form_file),
            commander=args.commander,
        )
        if args.outcome:
            request.outcome, request.outcome_detail = parse_outcome(args.outcome)
        if args.dry_run:
            if faults:
                raise UsageError("--dry-run connects to nothing: --inject has no effect with it")
            if args.json:
                raise UsageError("--dry-run prints commands, not a verdict: drop --json")
            from console.headless.dry_run import dry_run

            return dry_run(settings, request)
        from console.headless.common import RunOptions
        from console.headless.rollback import run_rollback

        check_request(settings, request)
        options = RunOptions(
            demo=args.demo,
            journal=args.journal,
            quiet=args.quiet or args.json,
            take_over_lock=args.take_over_lock,
            drill=args.command == "drill",
            accept_keys=request.accept_keys,
            json=args.json,
        )
    return asyncio.run(run_rollback(settings, request, faults, options))


def _no_production(settings: Settings, systems: list[str], hosts: list[str]) -> None:
    """An ad-hoc drill names its systems (or hosts) on the command line: one of a
    production system is refused, as drills.toml's scenarios are, before anything runs."""
    from console.model.drill_refs import production_named

    named = [(s, False) for s in systems] + [(h, True) for h in hosts]
    for name, host in named:
        if said := production_named(settings.inventory, name, host):
            option = "--hosts" if host else "--systems"
            raise UsageError(f"{option}: {said}")
    from console.engine.drill_reach import production_reached

    if reached := production_reached(settings.inventory, systems):  # another name for it
        raise UsageError(f"--systems: {'; '.join(reached)}")


def _only_strategy(settings: Settings, systems: list[str]) -> str:
    """The strategy `run` takes when --strategy is left out: the only one that applies to
    every system, as the console's picker chooses it; else one line saying which do."""
    from console.engine.choice import check_systems

    check_systems(settings, systems)
    applies = settings.strategies_for(systems)
    if len(applies) == 1:
        return applies[0]
    named = ", ".join(systems)
    if not applies:
        raise UsageError(settings.why_no_strategy(systems, "run them apart"))
    raise UsageError(
        f"{len(applies)} strategies apply to {named} ({', '.join(applies)}): name one with --strategy"
    )


def exec_(args: argparse.Namespace) -> int:
    with asyncio.Runner() as runner:
        with _start_up():
            from console.engine.host_trust import check_accept_keys

            dialed = _dial_first(args, runner)
            try:
                settings = load(args, demo=args.demo, read=dialed.read if dialed else None)
                faults = parse_faults(args.inject, settings, args.demo)
                systems = split(args.systems)
                hosts = resolve_hosts(settings.inventory, systems, split(args.hosts))
                if not args.command_text.strip():
                    raise UsageError("COMMAND is empty")
                # what the run would refuse, its dry run refuses: the keys to accept, and
                # an incident's journal, its directory or its id, as resume and export take it
                keys = host_keys(args.accept_host_key)
                check_accept_keys(settings, systems, keys)
                known = existing_journal(args.journal, args.config) if args.journal else None
                if args.dry_run:
                    if faults:
                        raise UsageError(
                            "--dry-run connects to nothing: --inject has no effect with it"
                        )
                    if args.json:
                        raise UsageError("--dry-run prints commands, not results: drop --json")
                    from console.headless.config_changed import dry_run_said
                    from console.headless.dry_run import dry_exec

                    since = dry_run_said(known, settings) if known else ""
                    return dry_exec(settings, args.command_text, hosts, since)
                # Everything given is checked: the hosts' handshakes may start. Not when a
                # key is to be accepted first, an existing journal to be checked open, the
                # demo fleet (started later) is what answers, or a system's lock file is
                # there (a refusal contacts no host).
                early = not (keys or args.journal or args.demo or _locked(settings, systems))
                pool = None
                if early and dialed is not None and dialed.fits(settings, hosts):
                    pool, dialed = dialed.pool, None
                elif early:
                    pool = _dialing(runner, settings.inventory, hosts)
            finally:
                if dialed is not None:  # not used: its connections close, nothing was sent
                    runner.run(dialed.pool.close())
            from console.headless.adhoc import run_exec
            from console.headless.common import RunOptions

            options = RunOptions(
                demo=args.demo,
                journal=str(known) if known else None,
                accept_keys=keys,
                json=args.json,
                take_over_lock=args.take_over_lock,
                accept_config_change=args.accept_config_change,
            )
        return runner.run(
            run_exec(settings, faults, options, args.command_text, systems, hosts, pool)
        )


class _Dialed(NamedTuple):
    """exec's hosts dialed from inventory.toml alone (`_dial_first`)."""

    pool: SshPool
    read: InventoryRead  # the whole configuration's load takes it as it is
    hosts: list[str]

    def fits(self, settings: Settings, hosts: list[str]) -> bool:
        """The whole configuration, validated, has this inventory and these hosts."""
        return settings.inventory is self.read.inventory and hosts == self.hosts


def _dial_first(args: argparse.Namespace, runner: asyncio.Runner) -> _Dialed | None:
    """exec's hosts dialed as soon as inventory.toml alone is read and validated: their
    TCP connections open while the rest of the configuration loads and is validated (the
    procedure's, strategies', triggers' and drills' models, ~10 % of exec's way to its
    first connection). Used only if the whole configuration, validated, has the same
    inventory and hosts, and nothing is sent before it is (nor before the command's
    intent is on disk); else closed unused. None (no dial) when a key is to be accepted
    first, an existing journal checked open, on the demo fleet, for a dry run or an empty
    command, when a system's lock file is there, or when anything read so far is off
    (the whole load then says what)."""
    if (
        args.accept_host_key
        or args.journal
        or args.demo
        or args.dry_run
        or args.inject
        or not args.command_text.strip()
    ):
        return None
    from console.model.loading import load_inventory
    from console.paths import config_cache, find_config, lock_file, locks_dir_of

    directory = find_config(args.config)
    read = load_inventory(directory, config_cache()) if directory is not None else None
    if read is None:
        return None
    systems = split(args.systems)
    try:
        hosts = resolve_hosts(read.inventory, systems, split(args.hosts))
    except UsageError:
        return None
    locks = locks_dir_of(read.lock_dir)
    if any(lock_file(locks, s).exists() for s in systems):
        return None
    return _Dialed(_dialing(runner, read.inventory, hosts), read, hosts)


def _locked(settings: Settings, systems: list[str]) -> bool:
    """Whether any of `systems` has a lock file, live or stale: the claim decides."""
    from console.paths import lock_file, locks_dir

    directory = locks_dir(settings)
    return any(lock_file(directory, s).exists() for s in systems)


def _dialing(runner: asyncio.Runner, inventory: Inventory, hosts: list[str]) -> SshPool:
    """exec's SSH pool, its hosts' connections started on `runner`'s loop: their TCP
    connections are open (and the servers answering) while the journal's modules load and
    the incident opens. No command is sent before its intent is on disk (the runner's
    write-ahead), and a refused lock closes them having sent nothing."""
    from console.engine.ssh import SshPool
    from console.engine.targets import targets_for

    pool = SshPool(inventory.ssh)

    async def dial() -> None:
        await pool.dial(targets_for(inventory, hosts))
        await asyncio.sleep(0)  # each attempt's first step: its TCP connection

    runner.run(dial())
    return pool


def probe(args: argparse.Namespace) -> int:
    with _start_up():
        from console.headless.probe import run_probe

        settings = load(args, demo=args.demo)
        faults = parse_faults(args.inject, settings, args.demo)
        systems = split(args.systems)
        for name in systems:
            if name not in {s.name for s in settings.inventory.systems}:
                raise UsageError(f"--systems: {unknown_system(settings.inventory, name)}")
    return asyncio.run(run_probe(settings, faults, systems, args.demo, json=args.json))


def host_keys(items: list[str]) -> HostKeys:
    """`--accept-host-key HOST=SHA256:...` options as {host: fingerprints}: a host behind
    a jump host may be named twice, for its own key and its jump host's."""
    keys: HostKeys = {}
    for item in items:
        host, sep, fingerprint = item.partition("=")
        if not sep or not host.strip():
            raise UsageError(f"--accept-host-key {item!r}: expected HOST=SHA256:...")
        given = keys.setdefault(host.strip(), [])
        if fingerprint.strip() not in given:
            given.append(fingerprint.strip())
    return keys
