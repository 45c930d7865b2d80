"""exec's instructions under callgrind against the fair floor's (issue 18): load-independent.

    python bench/exec_instructions.py TREE [TREE ...]            # one refused host
    python bench/exec_instructions.py --example TREE [TREE ...]  # init's, hosts refused
    python bench/exec_instructions.py --hosts 50 TREE [TREE ...]  # N real sshd hosts

TREE is a checkout (git worktree) of the console. With one host (bench/startup.py's
configuration, its port closed), each tree's exec to its exit is counted on a miss (a fresh
state dir) and a hit (a fresh state dir warmed by one run: the validated-configuration
cache). `--example` counts the same on what README has a user start from: the tree's
`init` (config/example: probes, a notification channel, strategy parameters), its SSH
defaults and web's two hosts pointed at the closed port, exec `true` on web. With `--hosts N`, a bench/fleet.py fleet (FLEET_PORTS) runs the floor
(peers/asyncssh_gather.py) and each tree's exec `true` on a hit, and the ratios are printed.
Every run: PYTHONHASHSEED=0, bytecode compiled by a first untimed run, its own state dir.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import fleet as fleetlib  # noqa: E402
from readme_example import point_example  # noqa: E402
from startup import OneHost, callgrind_instructions  # noqa: E402

SLOW_SSH = "[ssh]\nconnect_timeout = 900\nlogin_timeout = 900\nkeepalive_interval = 0\n"


def base_env(work: Path, name: str) -> dict[str, str]:
    """The environment of one tree's runs: bytecode kept apart, hash seed fixed."""
    drop = ("PYTHONDONTWRITEBYTECODE", "SSH_AUTH_SOCK")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return dict(env, PYTHONHASHSEED="0", PYTHONPYCACHEPREFIX=str(work / f"pyc-{name}"))


def state(env: dict[str, str], path: Path) -> dict[str, str]:
    path.mkdir(mode=0o700)
    return dict(env, ROLLBACK_CONSOLE_STATE=str(path))


def exec_argv(config: Path, system: str = "bench") -> list[str]:
    """exec `true` on `system` (the benchmark's), as configured in `config`."""
    config_at = ["--config", str(config)]
    return [sys.executable, "-m", "console", "exec", *config_at, "--systems", system, "true"]


def example_argv(tree: Path, env: dict[str, str], work: Path, key: Path, port: int) -> list[str]:
    """exec `true` on web in `tree`'s `init` directory, its hosts at `port` on loopback."""
    config = work / f"example-{tree.name}"
    init = [sys.executable, "-m", "console", "init", str(config)]
    subprocess.run(init, env=env, check=True, capture_output=True)
    (work / "known_hosts").write_text("")
    point_example(config, key, work / "known_hosts", port)
    return exec_argv(config, "web")


def one_host(trees: list[Path], work: Path, example: bool) -> None:
    key = work / "id"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    port = int(os.environ.get("REFUSED_PORT", "1"))  # nothing listens there: refused
    argv = exec_argv(OneHost(work / "host", key, port).config)
    for tree in trees:
        os.chdir(tree)  # `python -m console` imports the console of its directory first
        env = dict(base_env(work, tree.name), PYTHONPATH=str(tree))
        if example:
            argv = example_argv(tree, env, work, key, port)
        subprocess.run(
            argv, env=state(env, work / f"compile-{tree.name}"), cwd=tree, capture_output=True
        )
        miss = callgrind_instructions(argv, state(env, work / f"miss-{tree.name}"), work)
        warm = state(env, work / f"hit-{tree.name}")
        subprocess.run(argv, env=warm, cwd=tree, capture_output=True)
        hit = callgrind_instructions(argv, warm, work)
        print(f"{tree}: miss {miss / 1e6:,.1f} M, hit {hit / 1e6:,.1f} M", flush=True)


def on_fleet(trees: list[Path], hosts: int, work: Path) -> None:
    fleet = fleetlib.start_fleet(work / "fleet", hosts)
    try:
        config = fleetlib.write_console_config(
            work / "config", fleet, hosts, command_steps=0, max_handshakes=50, max_commands=64
        )
        inventory = config / "inventory.toml"
        inventory.write_text(inventory.read_text().replace("[ssh]\n", SLOW_SSH, 1))
        floor = [sys.executable, str(HERE / "peers" / "asyncssh_gather.py")]
        floor.append(str(fleetlib.write_fleet_json(work / "fleet.json", fleet, hosts)))
        env = base_env(work, "floor")
        subprocess.run(floor, env=env, capture_output=True, check=True)
        fleet.wait_idle()
        base = callgrind_instructions(floor, env, work)
        print(f"floor: {base / 1e6:,.1f} M", flush=True)
        argv = exec_argv(config)
        for tree in trees:
            warm = state(dict(base_env(work, tree.name), PYTHONPATH=str(tree)), work / tree.name)
            subprocess.run(argv, env=warm, cwd=tree, capture_output=True, check=True)
            fleet.wait_idle()
            os.chdir(tree)
            count = callgrind_instructions(argv, warm, work)
            print(f"{tree}: exec hit {count / 1e6:,.1f} M, {count / base:.3f} x", flush=True)
    finally:
        fleet.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=0, help="N real sshd hosts (0: one refused)")
    parser.add_argument("--example", action="store_true", help="init's configuration, refused")
    parser.add_argument("trees", nargs="+", type=Path)
    args = parser.parse_args()
    trees = [t.resolve() for t in args.trees]
    with tempfile.TemporaryDirectory(prefix="exec-instructions-") as tmp:
        if args.hosts:
            on_fleet(trees, args.hosts, Path(tmp))
        else:
            one_host(trees, Path(tmp), args.example)


if __name__ == "__main__":
    main()
