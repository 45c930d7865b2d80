"""A configuration directory: its TOML files, validated into one Settings."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr, ValidationError, model_validator

from console.model.ansible.load import Reported, with_ansible_hosts
from console.model.base import Strict
from console.model.inventory import Inventory
from console.model.params import ParamType
from console.model.probes import TriggerSettings
from console.model.procedure import Procedure, StepKind
from console.model.strategies import Strategy

FILES = {
    "inventory": "inventory.toml",
    "procedure": "procedure.toml",
    "strategies": "strategies.toml",
    "console": "console.toml",
    "triggers": "triggers.toml",
}
REQUIRED = ("inventory", "procedure", "strategies")


class Redaction(Strict):
    """Values and patterns that never reach the journal or an export."""

    values: list[str] = []
    patterns: list[str] = []
    env: list[str] = []

    @model_validator(mode="after")
    def _patterns_compile(self) -> Redaction:
        for pattern in self.patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a regular expression: {exc}") from exc
        return self


class ConsoleOptions(Strict):
    """console.toml: where journals go, keys, and what to redact."""

    journal_dir: str | None = None
    lock_dir: str | None = None
    keymap: dict[str, str] = {}
    redact: Redaction = Redaction()


class Settings(Strict):
    """The whole configuration, cross-checked."""

    inventory: Inventory
    procedure: Procedure
    strategies: list[Strategy] = Field(min_length=1)
    console: ConsoleOptions = ConsoleOptions()
    triggers: TriggerSettings = TriggerSettings()
    # What was read but cannot be honoured without being an error (check-config says it).
    _warnings: list[ConfigProblem] = PrivateAttr(default_factory=list)

    @property
    def warnings(self) -> list[ConfigProblem]:
        return self._warnings

    @model_validator(mode="after")
    def _references_resolve(self) -> Settings:
        names = {s.name for s in self.strategies}
        if len(names) != len(self.strategies):
            raise ValueError("two strategies share a name")
        for system in self.inventory.systems:
            for name in system.strategies:
                if name not in names:
                    raise ValueError(f"system {system.name!r} names unknown strategy {name!r}")
        for step in self.procedure.steps:
            if step.kind is StepKind.STRATEGY and step.strategy and step.strategy not in names:
                raise ValueError(f"step {step.id!r} names unknown strategy {step.strategy!r}")
        for trigger in self.triggers.triggers:
            try:
                self.inventory.system(trigger.system).probe(trigger.probe)
            except (KeyError, StopIteration):
                raise ValueError(
                    f"trigger {trigger.name!r} watches unknown probe"
                    f" {trigger.system!r}/{trigger.probe!r}"
                ) from None
        return self

    def strategy(self, name: str) -> Strategy:
        return next(s for s in self.strategies if s.name == name)

    def secret_env(self) -> list[str]:
        """Environment variables whose values never reach a record: console.toml's, and
        those the strategies name as secrets (a flag service's token)."""
        named = [
            p.default
            for s in self.strategies
            for p in s.params
            if p.secret and p.type is ParamType.ENV and p.default
        ]
        return sorted({*self.console.redact.env, *named})

    def strategies_for(self, systems: list[str]) -> list[str]:
        """Strategies that apply to every one of the given systems."""
        if not systems:
            return []
        sets = [set(self.inventory.system(s).strategies) for s in systems]
        common = set.intersection(*sets)
        return [s.name for s in self.strategies if s.name in common]


@dataclass(frozen=True)
class ConfigProblem:
    """One readable configuration error: file, key path, line and message."""

    file: str
    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.message}"


class ConfigError(Exception):
    def __init__(self, problems: list[ConfigProblem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def load_settings(directory: Path) -> Settings:
    """Read and validate a configuration directory, or raise ConfigError."""
    if not directory.is_dir():
        raise ConfigError([ConfigProblem(str(directory), "", "is not a directory")])
    raw: dict[str, Any] = {}
    texts: dict[str, str] = {}
    problems: list[ConfigProblem] = []
    for part, filename in FILES.items():
        path = directory / filename
        if not path.exists():
            if part in REQUIRED:
                problems.append(ConfigProblem(str(path), "", "is missing"))
            continue
        try:
            texts[part] = path.read_text(encoding="utf-8")
            raw[part] = tomllib.loads(texts[part])
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(ConfigProblem(str(path), "", f"cannot be read: {exc}"))
        except tomllib.TOMLDecodeError as exc:
            problems.append(ConfigProblem(str(path), "", f"is not valid TOML: {exc}"))
    if problems:
        raise ConfigError(problems)
    extra = sorted(set(raw["strategies"]) - {"strategies"})
    if extra:
        path = str(directory / FILES["strategies"])
        raise ConfigError([ConfigProblem(path, k, "unknown key") for k in extra])
    document = {
        "inventory": raw["inventory"],
        "procedure": raw["procedure"],
        "strategies": raw["strategies"].get("strategies", []),
        "console": raw.get("console", {}),
        "triggers": raw.get("triggers", {}),
    }
    document["inventory"], reported = with_ansible_hosts(document["inventory"], directory)
    found = _ansible_problems(reported, directory, texts.get("inventory", ""))
    errors = [problem for problem, error in found if error]
    if errors:
        raise ConfigError(errors)
    try:
        settings = Settings.model_validate(document)
    except ValidationError as exc:
        raise ConfigError(_problems(exc, directory, texts)) from None
    settings._warnings = [problem for problem, error in found if not error]
    return settings


def _ansible_problems(
    reported: list[Reported], directory: Path, text: str
) -> list[tuple[ConfigProblem, bool]]:
    """Findings in Ansible inventories as config problems (file:line), each once."""
    out: dict[ConfigProblem, bool] = {}
    for item in reported:
        finding = item.finding
        if finding.about:
            loc = ["systems", item.system, "ansible"]
            key = f"systems[{item.system}].ansible.{finding.about}"
            where = str(directory / FILES["inventory"])
            problem = ConfigProblem(where, key, finding.message, _line_of(text, loc))
        else:
            problem = ConfigProblem(finding.where.file, "", finding.message, finding.where.line)
        out[problem] = out.get(problem, False) or finding.error
    return list(out.items())


def _problems(exc: ValidationError, directory: Path, texts: dict[str, str]) -> list[ConfigProblem]:
    problems = []
    for error in exc.errors():
        loc = list(error["loc"])
        part = str(loc.pop(0)) if loc and loc[0] in FILES else "inventory"
        if part == "strategies" and loc and isinstance(loc[0], int):
            loc = ["strategies", *loc]
        key = _key_path(loc)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        elif error["type"] == "missing":
            message = "is required"
        problems.append(
            ConfigProblem(
                str(directory / FILES[part]), key, message, _line_of(texts.get(part, ""), loc)
            )
        )
    return problems


def _key_path(loc: list[Any]) -> str:
    out = ""
    for item in loc:
        if isinstance(item, int):
            out += f"[{item}]"
        else:
            out += ("." if out else "") + str(item)
    return out


def _line_of(text: str, loc: list[Any]) -> int | None:
    """Best-effort line of `loc` in the TOML text, following array-of-table entries."""
    lines = text.splitlines()
    start = 0
    table: list[str] = []
    for index, item in enumerate(loc):
        if isinstance(item, int):
            header = re.compile(r"^\s*\[\[\s*" + re.escape(".".join(table)) + r"\s*\]\]")
            hits = [i for i in range(start, len(lines)) if header.match(lines[i])]
            if item >= len(hits):
                break
            start = hits[item]
            continue
        table.append(str(item))
        if index == len(loc) - 1:
            key = re.compile(r"^\s*\"?" + re.escape(str(item)) + r"\"?\s*=")
            hit = next((i for i in range(start, len(lines)) if key.match(lines[i])), None)
            if hit is not None:
                return hit + 1
    return start + 1 if start else None
