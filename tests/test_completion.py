"""Shell completion in the real shells: bash (its completion function), zsh (an interactive
shell in a pseudo-terminal, pressing Tab) and fish (`complete -C`), with system, host and
strategy names read from the configuration as the user types."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import main
from console.paths import demo_config

ROOT = Path(__file__).parent.parent


@pytest.fixture
def on_path(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH has `rollback-console` running this checkout."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    program = bin_dir / "rollback-console"
    program.write_text(f'#!/bin/sh\nexec {sys.executable} -m console "$@"\n')
    program.chmod(0o755)
    return {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
    }


def script(shell: str, tmp_path: Path) -> Path:
    path = tmp_path / f"completion.{shell}"
    done = subprocess.run(
        [sys.executable, "-m", "console", "completion", shell],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    path.write_text(done.stdout)
    return path


def test_the_callback_completes_comma_lists_from_any_configuration(tmp_path, capsys):
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config)
    text = (config / "inventory.toml").read_text().replace('name = "api"', 'name = "payments"')
    (config / "inventory.toml").write_text(text)
    words = ["--", "rollback-console", "run", "--config", str(config), "--systems"]
    assert main(["__complete", "systems", "", *words]) == 0
    assert capsys.readouterr().out.split() == ["web", "payments", "db"]
    assert main(["__complete", "systems", "web,p", *words]) == 0
    assert capsys.readouterr().out.split() == ["web,payments"]
    assert main(["__complete", "systems", "web,", *words]) == 0  # no name twice
    assert capsys.readouterr().out.split() == ["web,payments", "web,db"]
    assert main(["__complete", "hosts", "db", "--", "rollback-console", "exec", "--demo"]) == 0
    assert capsys.readouterr().out.split() == ["db-1", "db-2"]
    assert main(["__complete", "strategies", "point", "--", "x", "--config", str(tmp_path)]) == 0
    assert capsys.readouterr().out == ""  # no configuration there: nothing, and no error


def test_bash(tmp_path, on_path):
    completion = script("bash", tmp_path)
    probe = tmp_path / "probe.bash"
    probe.write_text(
        f"source {completion}\n"
        'comp() { COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ));'
        ' COMPREPLY=(); _rollback_console; echo "${COMPREPLY[*]}"; }\n'
        "comp rollback-console ''\n"
        "comp rollback-console run --demo --systems web,\n"
        "comp rollback-console --config /nowhere run --demo --strategy ver\n"
        "comp rollback-console run --trigger user\n"
        "comp rollback-console exec --sy\n"
        "comp rollback-console export JOURNAL --format ''\n"
        "comp rollback-console completion ''\n"
    )
    done = subprocess.run(
        ["bash", str(probe)], capture_output=True, text=True, timeout=120, env=on_path
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:4] == ["demo", "run", "drill", "exec"] and "serve" in lines[0]
    assert lines[1:] == [
        "web,api web,db",
        "version-rollback",
        "user-impact",
        "--systems",
        "json markdown node",
        "bash zsh fish",
    ]


@pytest.mark.skipif(not shutil.which("fish"), reason="fish is not installed (scripts/bootstrap)")
def test_fish(tmp_path, on_path):
    completion = script("fish", tmp_path)

    def complete(line: str) -> list[str]:
        done = subprocess.run(
            ["fish", "--no-config", "-c", f"source {completion}; complete -C '{line}'"],
            capture_output=True,
            text=True,
            timeout=120,
            env=on_path,
        )
        assert done.returncode == 0, done.stderr
        return [row.split("\t")[0] for row in done.stdout.splitlines()]

    assert complete("rollback-console run --demo --systems web,") == ["web,api", "web,db"]
    assert complete("rollback-console exec --demo --hosts db") == ["db-1", "db-2"]
    assert "serve" in complete("rollback-console ")
    assert complete("rollback-console export j --format ") == ["json", "markdown", "node"]
    assert "--take-over-lock" in complete("rollback-console run --")


ZPTY = r"""
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1='> '; fpath=({dir} \$fpath); autoload -U compinit; compinit -u -D"
zpty -n -w z $1$'\t'
out=""
for i in {1..500}; do  # up to 100 s: the completion runs the console, slow under load
  while zpty -r -t z chunk; do out+=$chunk; done
  [[ $out == *$2* ]] && break
  sleep 0.2
done
sleep 0.5  # the rest of the redraw
while zpty -r -t z chunk; do out+=$chunk; done
print -r -- "$out"
zpty -d z
"""


@pytest.mark.skipif(not shutil.which("zsh"), reason="zsh is not installed (scripts/bootstrap)")
def test_zsh(tmp_path, on_path):
    functions = tmp_path / "zfunc"
    functions.mkdir()
    script("zsh", tmp_path).rename(functions / "_rollback-console")
    driver = tmp_path / "driver.zsh"
    driver.write_text(ZPTY.replace("{dir}", str(functions)))

    def screen(line: str, until: str) -> str:
        """The terminal after Tab on `line`, once it shows `until` (its listing's last word)."""
        done = subprocess.run(
            ["zsh", "-f", str(driver), line, until],
            capture_output=True,
            text=True,
            timeout=120,
            env=on_path,
        )
        return re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", done.stdout)

    listed = screen("rollback-console run --demo --systems web,", "db")  # lists, then redraws
    assert re.search(r"\napi +db\b", listed.replace("\r", "\n")), listed
    listed = screen("rollback-console run --demo --strategy ", "version-rollback")
    assert "version-rollback" in listed and "point-in-time" in listed
    assert re.search(r"schema +-- the JSON Schema", screen("rollback-console s", "JSON Schema"))
