"""The command lines printed for a person to run next leave out `--config DIR` when DIR is
the user config dir (every shell of this account finds it), however it was written, and
name it otherwise: decided when the first line is printed, not when the configuration
loads (exec prints none on most runs: platformdirs, ~9 M instructions, issue 18)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from console.cli.common import repeat_in_hints
from console.model.invocation import again
from console.paths import user_config_dir


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    mine = user_config_dir()
    mine.mkdir(parents=True)
    return mine


def test_the_user_config_dir_is_not_named_even_through_a_link(
    tmp_path: Path, config_home: Path
) -> None:
    link = tmp_path / "linked"
    link.symlink_to(config_home)
    for given in (config_home, link, config_home / ".." / config_home.name):
        repeat_in_hints(given, demo=False)
        assert again("resume x") == "rollback-console resume x", given


def test_another_directory_is_named_as_given_then(
    tmp_path: Path, config_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "my config"
    elsewhere.mkdir()
    monkeypatch.chdir(tmp_path)
    repeat_in_hints(Path("my config"), demo=False)
    monkeypatch.chdir(config_home)  # where the line is printed changes nothing
    named = f"rollback-console resume x --config {shlex.quote(str(elsewhere))}"
    assert again("resume x") == named
    assert again("resume x") == named  # asked once, kept


def test_the_demo_names_no_configuration(config_home: Path) -> None:
    repeat_in_hints(config_home.parent, demo=True)
    assert again("resume x") == "rollback-console resume x"
