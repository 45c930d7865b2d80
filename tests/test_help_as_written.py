"""Every command's --help, as a new user on a jump host reads it: each example that runs
offline works as written, in a fresh home, on `init`'s configuration; and each command's
exit statuses are the ones it gives. Seen: `run --help`'s dry run named a strategy and a
parameter of the demo's alone, without --demo or the --reason it needs (exit 2); the
completion examples wrote into directories a fresh home has not got (bash: "No such file
or directory"); `check-config --help` listed 1, 3, 4, 129 and 143, which it never gives;
`probe --help` said 1 for a probe that failed, while a probe read bad exits 0."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w

from console.cli.parser import build_parser
from tests import sshd as _sshd

REPO = Path(__file__).resolve().parent.parent
# What runs offline and sends nothing: dry runs, and the commands that read or write the
# configuration, the schedule or the list of incidents.
OFFLINE = re.compile(
    r"--dry-run|rollback-console (init|check-config|schema|completion|list)\b"
    r"|rollback-console drill --(list|status|due)\b"
)
PLACEHOLDER = re.compile(r"\bJOURNAL\b|\d{8}-\d{6}-[0-9a-f]{4}")


def examples() -> list[str]:
    """Every example of the program's --help and of each command's, continuation lines
    (`\\` or `&&` at the end) joined as a shell joins them."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found = []
    for each in [parser, *sub.choices.values()]:
        block = each.epilog.split("examples:\n", 1)[1].split("\n\n", 1)[0]
        line = ""
        for part in block.splitlines():
            line += part.strip().removesuffix("\\") + " "
            if not part.rstrip().endswith(("\\", "&&")):
                found.append(line.strip())
                line = ""
    return found


def exit_codes(command: str) -> dict[str, str]:
    """{status: what it says} of `command --help`'s exit status table."""
    text = subprocess.run(
        [sys.executable, "-m", "console", command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    ).stdout
    table = text.split("\nexit status:\n", 1)[1]
    codes: dict[str, str] = {}
    last = ""
    for line in table.splitlines():
        match = re.match(r"  (\d+(?:, \d+)*)  (.*)", line)
        if match:
            last = match[1]
            codes[last] = match[2]
        else:
            codes[last] += " " + line.strip()
    return codes


def _newcomer(root: Path) -> dict[str, str]:
    """The environment of a fresh home under `root` whose `rollback-console` is this
    checkout's."""
    home, bin_dir = root / "home", root / "bin"
    home.mkdir()
    bin_dir.mkdir()
    shim = bin_dir / "rollback-console"
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m console "$@"\n')
    shim.chmod(0o755)
    env = {
        **os.environ,
        "HOME": str(home),
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PYTHONPATH": str(REPO),
        "ROLLBACK_CONSOLE_STATE": str(root / "state"),
    }
    for name in ("ROLLBACK_CONSOLE_CONFIG", "SSH_AUTH_SOCK", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        env.pop(name, None)
    return env


@pytest.fixture
def newcomer(tmp_path: Path) -> dict[str, str]:
    return _newcomer(tmp_path)


def offline_examples() -> list[str]:
    """The examples that run offline, but those naming an incident for the reader to fill
    in (JOURNAL, an id), and README's block for shell completion, a line at a time."""
    chosen = [e for e in examples() if OFFLINE.search(e) and not PLACEHOLDER.search(e)]
    if shutil.which("jq") is None:  # what the examples pipe into, not this program
        chosen = [e for e in chosen if "| jq" not in e]
    readme = (REPO / "README.md").read_text().split("### Shell completion\n\n```sh\n", 1)[1]
    return [*chosen, " && ".join(readme.split("```", 1)[0].strip().splitlines())]


# One test an example: run one after another they took over pytest's 180 s at load 23
# (each a python started, 5 to 19 s there), and CI's workers share them out.
EXAMPLES = offline_examples()
BASH_COMPLETIONS = ".local/share/bash-completion/completions"


def test_the_offline_examples_are_the_ones_a_newcomer_needs():
    assert any("run --systems db" in e and "--dry-run" in e for e in EXAMPLES)
    assert sum("rollback-console completion" in e for e in EXAMPLES) >= 4
    assert sum(BASH_COMPLETIONS in e for e in EXAMPLES) == 2  # --help's and README's


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`init`'s starter configuration, written once for the module's examples."""
    root = tmp_path_factory.mktemp("starter")
    subprocess.run(
        ["rollback-console", "init", "./config"], env=_newcomer(root), cwd=root, check=True,
        capture_output=True, timeout=60,
    )  # fmt: skip
    return root / "config"


@pytest.mark.parametrize(
    "example",
    EXAMPLES,
    ids=[
        f"{i}-{' '.join(e.split('rollback-console ')[1].split()[:2])}"
        for i, e in enumerate(EXAMPLES)
    ],
)
def test_every_offline_example_of_help_runs_as_written(example, newcomer, starter, tmp_path):
    where = tmp_path / "example"
    where.mkdir()
    env = {**newcomer, "HOME": str(where)}
    if " init" not in example:  # on the starter configuration, where the console looks
        shutil.copytree(starter, where / "config")
    done = subprocess.run(
        ["bash", "-c", example], capture_output=True, text=True, timeout=120, env=env, cwd=where
    )
    assert done.returncode == 0, f"$ {example}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr and "No such file" not in done.stderr, done.stderr
    if BASH_COMPLETIONS in example:
        assert [p.name for p in where.glob(f"{BASH_COMPLETIONS}/*")] == ["rollback-console"]


def test_each_command_lists_the_exit_statuses_it_gives():
    assert set(exit_codes("check-config")) == {"0", "1", "2"}
    assert set(exit_codes("import-ansible")) == {"0", "1", "2"}
    assert set(exit_codes("probe")) == {"0", "1", "2"}
    assert set(exit_codes("exec")) == {"0", "1", "2", "3", "129"}
    assert set(exit_codes("undo")) == {"0", "1", "2", "3", "4", "129"}
    assert set(exit_codes("verify")) == {"0", "1", "2", "3", "4", "129"}
    assert set(exit_codes("run")) == {"0", "1", "2", "3", "4", "129"}
    assert set(exit_codes("resume")) == {"0", "1", "2", "3", "129, 143"}


@pytest.mark.sshd
def test_probe_exits_as_its_help_says(sshd_server, newcomer, tmp_path):
    """A probe read bad on a real host: 0, as its --help says; a host not reached: 1."""
    where = tmp_path / "walk"
    where.mkdir()
    env = {**newcomer, "HOME": str(where)}
    subprocess.run(
        ["rollback-console", "init", "./config"], env=env, cwd=where, check=True,
        capture_output=True, timeout=60,
    )  # fmt: skip
    closed = _sshd._free_port()  # nothing listens there: connection refused

    def system(name: str, port: int) -> dict:
        probe = {"name": "health", "kind": "command", "command": "echo down", "interval": 10.0}
        host = {"name": f"{name}-1", "address": "127.0.0.1", "port": port}
        return {
            "name": name,
            "strategies": ["version-rollback"],
            "hosts": [host],
            "probes": [probe],
        }

    ssh = {
        "user": sshd_server.server.user,
        "identity_files": [str(sshd_server.client_key)],
        "known_hosts": str(sshd_server.known_hosts),
        "use_ssh_config": False,
        "connect_timeout": 5.0,
    }
    inventory = {
        "ssh": ssh,
        "systems": [system("web", sshd_server.server.port), system("db", closed)],
    }
    (where / "config" / "inventory.toml").write_text(tomli_w.dumps(inventory))
    codes = exit_codes("probe")

    def probe(systems: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["rollback-console", "probe", "--systems", systems], capture_output=True, text=True,
            timeout=120, env=env, cwd=where,
        )  # fmt: skip

    bad = probe("web")
    assert bad.returncode == 0, bad.stderr
    assert re.search(r"^web/health .* bad ", bad.stdout, re.M), bad.stdout
    assert "healthy or not" in codes["0"]
    lost = probe("db")
    assert lost.returncode == 1, lost.stdout + lost.stderr
    assert "cannot reach db-1" in lost.stderr
    assert "could not be reached" in codes["1"]
