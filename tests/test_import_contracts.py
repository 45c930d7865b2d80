"""The import-linter contracts in pyproject.toml hold, and each one breaks when its rule does.

Each case copies the package and pyproject.toml to a temporary directory, makes one
forbidden import there (or adds a module no layer places) and runs `lint-imports` on the
copy: it must fail and name the contract. The untouched copy passes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

# (file under console/ to change, the line added there, the contract that must break)
MUTATIONS = {
    "model imports asyncssh": (
        "model/clock.py",
        "import asyncssh",
        "Only the engine and the demo fleet import asyncssh",
    ),
    "the CLI imports asyncssh": (
        "cli/common.py",
        "import asyncssh",
        "Only the engine and the demo fleet import asyncssh",
    ),
    "the UI imports the demo fleet": (
        "ui/app.py",
        "import console.demo.fleet",
        "The UI never imports the demo fleet (the command line wires it)",
    ),
    "the UI imports asyncssh": (
        "ui/app.py",
        "import asyncssh",
        "The UI never calls asyncssh",
    ),
    "the journal imports textual": (
        "journal/store.py",
        "import textual",
        "Nothing below the UI imports textual",
    ),
    "model imports the journal": (
        "model/events.py",
        "import console.journal.store",
        "Layers point down",
    ),
    "paths imports the model": (
        "paths.py",
        "import console.model.clock",
        "Layers point down",
    ),
    "a module no layer places": (
        "stray.py",
        "import console.model.clock",
        "Layers point down",
    ),
}


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "copy"
    shutil.copytree(
        ROOT / "console", root / "console", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH is the copy alone: the checkout (or an installed console) is not analysed.
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_untouched_copy_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert " broken" in result.stdout and "0 broken" in result.stdout


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_a_forbidden_import_breaks_its_contract(tmp_path: Path, name: str) -> None:
    relative, line, contract = MUTATIONS[name]
    root = _copy(tmp_path)
    target = root / "console" / relative
    before = target.read_text(encoding="utf-8") if target.exists() else '"""A stray module."""\n'
    target.write_text(f"{before}\n{line}  # the mutation\n", encoding="utf-8")
    result = _lint(root)
    assert result.returncode != 0, result.stdout
    broken = [ln for ln in result.stdout.splitlines() if ln.endswith(" BROKEN")]
    assert any(ln.startswith(contract) for ln in broken), result.stdout
