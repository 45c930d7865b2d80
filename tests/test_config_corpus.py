"""A corpus of broken configurations (config_corpus/cases.toml, each an edit of
config_corpus/base/): check-config, run --dry-run, exec, probe and the console start-up
all refuse each one the same way, with one line `file:line: key: what`, exit status 2
and no traceback; and what check-config accepts, run --dry-run and the console start."""

from __future__ import annotations

import random
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from console.cli import main
from console.cli.common import load
from console.cli.parser import build_parser
from console.model.loading import load_settings
from console.paths import demo_config, example_config
from tests.console_process import console

CORPUS = Path(__file__).parent / "config_corpus"
CASES = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))["cases"]
# Each line a problem: `error: path:line: key: message`, `...path:line: message` or
# `...path: message`.
PROBLEM_LINE = re.compile(
    r"^error: (\S+?\.t\w*ml(:\d+)?: \S.*|\S+: (does not exist|is not a directory))$"
)


def build(case: dict, root: Path) -> Path:
    """A copy of the base with the case's edits applied."""
    config = root / "config"
    shutil.copytree(CORPUS / "base", config)
    for edit in case["edits"]:
        path = config / edit["file"]
        if "find" in edit:
            text = path.read_text(encoding="utf-8")
            assert edit["find"] in text, f"corpus drift: {edit['find']!r} not in {path.name}"
            changed = text.replace(edit["find"], edit["replace"], 1)
            path.write_bytes(changed.encode(edit.get("encoding", "utf-8")))
        elif "append" in edit:
            with path.open("a", encoding="utf-8") as handle:
                handle.write(edit["append"])
        elif "symlink" in edit:
            path.unlink()
            path.symlink_to(edit["symlink"])
        elif edit.get("remove"):
            path.unlink()
        elif edit.get("directory"):
            path.unlink()
            path.mkdir()
        elif "rename" in edit:
            path.rename(config / edit["rename"])
    return config


def expected(case: dict, config: Path) -> str:
    """The problem line the case must produce."""
    path = config / case["file"]
    where = str(path)
    if case.get("line") != 0:
        text = path.read_bytes().decode("utf-8", errors="replace")
        hits = [n for n, line in enumerate(text.splitlines(), start=1) if case["at"] in line]
        where += f":{hits[case.get('occurrence', 1) - 1]}"
    key = f" {case['key']}:" if case["key"] else ""
    return f"error: {where}:{key} "


def commands(config: Path) -> dict[str, list[str]]:
    run = ["--systems", "web", "--strategy", "version-rollback", "--trigger", "user-impact"]
    return {
        "check-config": ["check-config", str(config)],
        "run --dry-run": ["run", "--config", str(config), *run, "--reason", "x", "--dry-run"],
        "exec": ["exec", "--config", str(config), "--systems", "web", "true"],
        "probe": ["probe", "--config", str(config)],
        "console": ["--config", str(config)],
    }


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """A working directory and state dir of its own; the console must never start."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "known_hosts").touch()  # the base's, read from here: one missing is warned of
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(tmp_path / "state"))
    monkeypatch.delenv("DEPLOY_TOKEN", raising=False)

    def started(*args, **kwargs):
        raise AssertionError("the console started on a configuration it must refuse")

    import console.cli.launch

    monkeypatch.setattr(console.cli.launch, "run_tui", started)
    return tmp_path


def test_the_corpus_is_large_and_every_case_is_named_once():
    names = [case["name"] for case in CASES]
    assert len(names) >= 40 and len(set(names)) == len(names)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_every_command_refuses_a_broken_configuration_with_the_same_line(case, isolated, capsys):
    config = build(case, isolated)
    want = expected(case, config)
    for label, argv in commands(config).items():
        status = main(argv)
        out, err = capsys.readouterr()
        assert status == 2, f"{label}: exit {status}\n{err}"
        assert "Traceback" not in out + err and "internal error" not in err, f"{label}: {err}"
        lines = err.splitlines()
        assert any(line.startswith(want) and case["message"] in line for line in lines), (
            f"{label}: expected {want}…{case['message']!r}, got:\n{err}"
        )
        bad = [line for line in lines if not PROBLEM_LINE.match(line)]
        assert not bad, f"{label}: not one problem per line: {bad}"
        assert not list((isolated / "state").glob("*incidents/*")), f"{label} made an incident"


SAMPLE = ["not-utf8", "console-toml-dangling-symlink", "template-uppercase-placeholder"]


@pytest.mark.parametrize("name", SAMPLE)
def test_the_real_process_refuses_too(name, tmp_path):
    """The same, as a user meets it: a process of its own, for check-config and the console."""
    case = next(c for c in CASES if c["name"] == name)
    config = build(case, tmp_path)
    for argv in (["check-config", str(config)], ["--config", str(config)]):
        result = console(*argv, timeout=60)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(expected(case, config)), result.stderr
        assert case["message"] in result.stderr


# --- what check-config accepts runs ---------------------------------------------------


def _variant(name: str, root: Path) -> Path:
    """Valid configurations: the corpus base and ways of writing it, the example, the demo."""
    config = root / name
    if name == "demo":
        return demo_config()
    if name == "example":
        shutil.copytree(example_config(), config)
        return config
    shutil.copytree(CORPUS / "base", config)
    for path in config.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        if name == "bom":
            path.write_text("\ufeff" + text, encoding="utf-8")
        elif name == "crlf":
            path.write_bytes(text.replace("\n", "\r\n").encode())
    if name == "minimal":
        (config / "console.toml").unlink()
        (config / "triggers.toml").unlink()
    return config


VARIANTS = ["base", "bom", "crlf", "minimal", "example", "demo"]


@pytest.mark.parametrize("name", VARIANTS)
def test_what_check_config_accepts_dry_runs_cleanly(name, isolated, capsys):
    """run --dry-run of every strategy of every system, and exec --dry-run on each system."""
    config = _variant(name, isolated)
    assert main(["check-config", str(config)]) == 0
    assert ": ok: " in capsys.readouterr().out
    settings = load_settings(config)
    for system in settings.inventory.systems:
        argv = ["exec", "--config", str(config), "--systems", system.name, "uptime"]
        status = main([*argv, "--dry-run"])
        out, err = capsys.readouterr()
        assert status == 0 and "# dry run: nothing is sent" in out and not err, err
        for strategy in settings.strategies_for([system.name]):
            if any(p.required and p.default is None for p in settings.strategy(strategy).params):
                continue  # needs a --param: a usage question, not a configuration one
            argv = ["run", "--config", str(config), "--systems", system.name]
            argv += ["--strategy", strategy, "--trigger", "user-impact", "--reason", "x"]
            status = main([*argv, "--yes", "--dry-run"])
            out, err = capsys.readouterr()
            assert status == 0, f"{system.name}/{strategy}: {err}"
            assert out.startswith("# dry run: nothing is sent") and not err


@pytest.mark.parametrize("name", ["base", "bom", "example"])
async def test_what_check_config_accepts_starts_the_console(name, isolated):
    """The launch path's app on a loaded configuration: it opens on Home, with the
    configured keymap bound (the base moves checklist.skip to s and ctrl+k)."""
    from console.engine.session import Engine
    from console.ui.app import make_app
    from console.ui.screens.home import HomeScreen

    config = _variant(name, isolated)
    settings = load(build_parser().parse_args(["--config", str(config)]))
    engine = Engine(settings, isolated / "incidents")
    app = make_app(settings, engine, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            if name != "example":
                assert app.keymap["checklist.skip"] == "s,ctrl+k"
    finally:
        await engine.close()


# --- any input: mutations of the base -------------------------------------------------

ODD_VALUES = [
    "inf", "-inf", "nan", "-1", "0", '""', "[]", "{}", "true", "1e400", '"{{x}}"', '"-rf"',
    '[1, "a"]', "{ a = 1 }", '"(?i)a(?i)"', '"[a-z"', "2024-01-01T00:00:00Z", '"\\u0000"',
]  # fmt: skip


def _mutated(root: Path, rng: random.Random) -> Path:
    """The base with one to three lines of one file deleted, doubled, or given odd values."""
    config = root / "config"
    shutil.rmtree(config, ignore_errors=True)
    shutil.copytree(CORPUS / "base", config)
    path = rng.choice(sorted(config.glob("*.toml")))
    lines = path.read_text(encoding="utf-8").splitlines()
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(lines))
        roll = rng.random()
        if roll < 0.5 and "=" in lines[i]:
            lines[i] = f"{lines[i].split('=')[0]}= {rng.choice(ODD_VALUES)}"
        elif roll < 0.7 and len(lines) > 1:
            del lines[i]
        elif roll < 0.85:
            lines.insert(i, rng.choice(lines))
        else:
            key = rng.choice(["x", "name", "kind", "steps", "hosts"])
            lines.insert(i, f"{key} = {rng.choice(ODD_VALUES)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def test_no_configuration_makes_a_command_fail_other_than_in_one_line(isolated, capsys):
    """Random damage to the base: check-config accepts it (and then a dry run runs, or
    refuses the request as usage) or refuses it, one line per problem; never an
    internal error, never a traceback."""
    rng = random.Random(20261130)
    accepted = refused = 0
    for _ in range(120):
        config = _mutated(isolated, rng)
        status = main(["check-config", str(config)])
        out, err = capsys.readouterr()
        assert status in (0, 2) and "Traceback" not in out + err, err
        # a warning's own lines after its first (a command each) are indented: its own
        said = [x for x in err.splitlines() if not x.startswith(("warning: ", "  "))]
        assert "internal error" not in err and all(PROBLEM_LINE.match(x) for x in said)
        if status == 2:
            refused += 1
            continue
        accepted += 1
        run = ["--systems", "web", "--strategy", "version-rollback", "--trigger", "user-impact"]
        status = main(["run", "--config", str(config), *run, "--reason", "x", "--yes", "--dry-run"])
        out, err = capsys.readouterr()
        assert status in (0, 2) and "internal error" not in err and "Traceback" not in err, err
        assert status == 0 or "does not apply" in err or "unknown" in err, err
    assert accepted and refused  # the damage was varied enough to test both ways
