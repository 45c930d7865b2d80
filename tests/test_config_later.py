"""Models built at their first use (console/model/later.py): a configuration that leaves a
part out never builds its model, one that has it is validated as before, with the same
error line (file, line, key, did-you-mean), and the JSON schema names each model once, in
`$defs`, as a model field does."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from console.model.frozen import Frozen
from console.model.loading import load_settings
from console.model.problems import ConfigError
from console.model.schema import config_schema
from console.paths import demo_config

LATER = {  # module: (its model, the model whose field names it, that field)
    "console.model.drills": ("Scenario", "DrillSettings", "scenarios"),
    "console.model.channels": ("Channel", "Procedure", "channels"),
    "console.model.auto_triggers": ("AutoTrigger", "TriggerSettings", "triggers"),
    "console.model.params": ("Parameter", "Strategy", "params"),
    "console.model.probes": ("Probe", "System", "probes"),
}


def _loaded(directory: Path, then: str) -> set[str]:
    """The words `then` prints in a fresh interpreter after loading `directory`."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from console.model.loading import load_settings\n"
        f"settings = load_settings(Path({str(directory)!r}))\n" + then
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=Path(__file__).resolve().parents[1],  # this tree's console, first on the path
    )
    return set(out.stdout.split())


def _loaded_modules(directory: Path) -> set[str]:
    return _loaded(directory, "print('\\n'.join(sys.modules))\n")


RECORDS = {
    *("Soak", "WatchOptions", "TriggerSettings", "DrillSettings", "Settings", "ConsoleOptions"),
    *("Redaction", "Inventory", "SshDefaults", "Host", "AnsibleSource", "System"),
    *("Procedure", "PhaseSteps", "Step", "Strategy", "Commands", "Waves", "_Params"),
    *("Parameter", "Probe"),
}


def test_loading_a_configuration_makes_no_model_class_of_its_records():
    """The configuration's tables are records (console/model/frozen.py), but those built
    at their first use (later.py): the demo's configuration has every file, each table is
    validated, and no pydantic model class is made of them (each ~2.5-4.6 M instructions
    of every exec's start, issue 18)."""
    made = _loaded(
        demo_config(),
        "from pydantic import BaseModel\n"
        "assert settings.drills.scenarios and settings.triggers.triggers\n"
        "made, todo = set(), [BaseModel]\n"
        "while todo:\n"
        "    for sub in todo.pop().__subclasses__():\n"
        "        made.add(sub.__name__); todo.append(sub)\n"
        "print('\\n'.join(sorted(made)))\n",
    )
    assert "Scenario" in made and "AutoTrigger" in made
    assert not made & RECORDS


CHANNEL = "\n[[channels]]\nname = 'ops'\nkind = 'slack'\nurl_env = 'SLACK_URL'\n"
PARAM = "\n[[strategies.params]]\nname = 'version'\n"


def _minimal(tmp_path: Path, channel: str = "", param: str = "") -> Path:
    """The three required files; `channel` and `param` added to theirs."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "inventory.toml").write_text(
        '[[systems]]\nname = "web"\nstrategies = ["noop"]\n\n'
        '[[systems.hosts]]\nname = "web-1"\naddress = "127.0.0.1"\n'
    )
    (config / "strategies.toml").write_text(
        '[[strategies]]\nname = "noop"\nkind = "custom"\n'
        + param
        + '\n[strategies.commands]\naction = "true"\n'
    )
    (config / "procedure.toml").write_text(
        'name = "p"\n\n[[phases]]\nphase = "immediate"\n\n[[phases.steps]]\nid = "go"\n'
        'title = "Go"\nkind = "manual"\n\n[[phases]]\nphase = "execution"\n\n'
        '[[phases.steps]]\nid = "restore"\ntitle = "Restore"\nkind = "strategy"\n\n'
        '[[phases]]\nphase = "post"\n\n[[phases.steps]]\nid = "why"\ntitle = "Why"\n'
        'kind = "form"\nfields = ["reason"]\n' + channel
    )
    return config


def test_a_configuration_without_those_parts_builds_none_of_their_models(tmp_path: Path):
    loaded = _loaded_modules(_minimal(tmp_path))
    assert "console.model.settings" in loaded
    assert not loaded & set(LATER)


def _exec_refused(tmp_path: Path) -> set[str]:
    """The modules exec imports to its exit on a host that refuses (a loopback port nothing
    listens on)."""
    config = _minimal(tmp_path)
    inventory = config / "inventory.toml"
    with socket.socket() as sock:  # a free port, closed again: connections are refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    (tmp_path / "known_hosts").write_text("")
    inventory.write_text(
        f"[ssh]\nknown_hosts = '{tmp_path / 'known_hosts'}'\nuse_ssh_config = false\n"
        + inventory.read_text()
        + f"port = {port}\n"
    )
    command = ["exec", "--config", str(config), "--systems", "web", "true"]
    ran = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "console", *command],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")},
        cwd=Path(__file__).resolve().parents[1],  # this tree's console, first on the path
    )
    said = [line for line in ran.stderr.splitlines() if not line.startswith("import time:")]
    # where the refused port was written, as check-config says it (it named no file)
    written = f"{inventory}:{len(inventory.read_text().splitlines())}: port = {port}"
    refused = f"connection refused by 127.0.0.1:{port}; its port: {written}"
    assert ran.returncode == 1, said
    assert said[0] == f"web-1: FAILED (connection refused): {refused}", said
    return {line.split("|")[-1].strip() for line in ran.stderr.splitlines() if "|" in line}


def test_exec_to_its_end_builds_no_drill_model(tmp_path: Path):
    """exec's results imported the drills' verdict, and with it the drill models, to its
    end: ~26 M instructions of an exec's ~1,320 M (bench/HISTORY.md, issue 18)."""
    imported = _exec_refused(tmp_path)
    assert "console.journal.results" in imported  # its verdict was folded
    assert not imported & {"console.model.drills", "console.model.drill_verdict"}


def test_exec_to_its_end_lists_no_incidents_and_asks_no_user_config_dir(tmp_path: Path):
    """The incidents' listing (with the handover's and custody's records, ~8 M) and
    platformdirs (~9 M, to know whether --config names the user config dir, which only a
    printed command line needs) are not imported by an exec that prints no such line."""
    imported = _exec_refused(tmp_path)
    assert "console.engine.session" in imported
    assert not imported & {"console.engine.listing", "platformdirs"}


def test_a_configuration_with_them_builds_them(tmp_path: Path):
    loaded = _loaded_modules(demo_config())
    assert {"console.model.drills", "console.model.auto_triggers", "console.model.probes"} <= (
        loaded
    )
    settings = load_settings(_minimal(tmp_path, CHANNEL, PARAM))
    assert [c.name for c in settings.procedure.channels] == ["ops"]
    assert [p.name for p in settings.strategies[0].params] == ["version"]


def _broken(tmp_path: Path, source: Path | None, name: str, old: str, new: str) -> Path:
    if source is None:
        config = _minimal(tmp_path, CHANNEL, PARAM)
    else:
        config = tmp_path / "config"
        shutil.copytree(source, config)
    path = config / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return config


@pytest.mark.parametrize(
    ("source", "name", "old", "new", "line"),
    [
        (
            demo_config(),
            "drills.toml",
            "[[scenarios]]\n",
            "[[scenarios]]\nnmae = 'x'\n",
            "drills.toml:16: scenarios[0].nmae: unknown key (did you mean 'name'?)",
        ),
        (
            demo_config(),
            "triggers.toml",
            "[[triggers]]\n",
            "[[triggers]]\nthreshhold = 1\n",
            "triggers.toml:24: triggers[0].threshhold: unknown key (did you mean 'threshold'?)",
        ),
        (
            demo_config(),
            "inventory.toml",
            'name = "error-rate"\n',
            'name = "error-rate"\ntreshold = 1\n',
            "inventory.toml:33: systems[0].probes[0].treshold: unknown key"
            " (did you mean 'threshold'?)",
        ),
        (
            None,
            "procedure.toml",
            "[[channels]]\n",
            "[[channels]]\nurll = 'https://example.com/x'\n",
            "procedure.toml:29: channels[0].urll: unknown key (did you mean 'url'?)",
        ),
        (
            None,
            "strategies.toml",
            "[[strategies.params]]\n",
            "[[strategies.params]]\ntpye = 'string'\n",
            "strategies.toml:6: strategies[0].params[0].tpye: unknown key (did you mean 'type'?)",
        ),
    ],
    ids=["drills", "triggers", "probes", "channels", "params"],
)
def test_a_part_that_is_there_is_validated_with_its_error_located(
    tmp_path: Path, source: Path | None, name: str, old: str, new: str, line: str
):
    config = _broken(tmp_path, source, name, old, new)
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    lines = [str(problem) for problem in raised.value.problems]
    assert [x for x in lines if line in x and name in x], lines


def test_the_schema_names_each_later_model_once_in_its_definitions():
    import importlib

    schema = config_schema()
    defs = schema["$defs"]
    for module, (model, owner, field) in LATER.items():
        items = defs[owner]["properties"][field]["items"]
        assert items == {"$ref": f"#/$defs/{model}"}, (owner, field, items)
        made = getattr(importlib.import_module(module), model)
        own = made.json_schema() if issubclass(made, Frozen) else made.model_json_schema()
        own.pop("$defs", None)
        assert defs[model] == own, model
