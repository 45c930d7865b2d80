"""The whole configuration as one validated Settings (read by console/model/loading.py)."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from console.model.drill_refs import drill_problems
from console.model.drill_settings import DrillSettings
from console.model.frozen import EMPTY_SHOWN, After, Frozen, Shown, checked_after, empty_list, ruled
from console.model.inventory import Inventory
from console.model.keymap import keymap_problems, normalized
from console.model.param_types import ParamType
from console.model.problems import ConfigProblem, located_error, quoted
from console.model.procedure import Procedure
from console.model.references import reference_problems
from console.model.strategies import Strategy
from console.model.templates import compile_pattern
from console.model.trigger_settings import TriggerSettings

if TYPE_CHECKING:
    from console.model.ansible.load import Seen

# Text a pattern that can match nothing at all shows itself on: words, digits, a line's ends.
_SAMPLE = "Rollback 42, web-1 ok\n"


def _compiles(pattern: str) -> str:
    """A `[redact]` pattern compiles, and every match it makes holds a character: `x*`,
    `(?i)` or `^` matched empty text between characters, and every record was written
    with the mask between them (`«redacted»w«redacted»e«redacted»b`), the system's name
    too: the run ended in an internal error."""
    regex = compile_pattern(pattern)
    if any(m.start() == m.end() for m in regex.finditer(_SAMPLE)) or regex.match(""):
        raise ValueError(
            f"{quoted(pattern)} can match empty text: every record would be masked between"
            " each two characters; make it match at least one character"
        )
    return pattern


@dataclass(init=False, repr=False, eq=False)
class Redaction(Frozen):
    """Values and patterns that never reach the journal or an export. Each pattern is
    compiled on its own, as the redactor uses it, so its inline flags apply to it alone."""

    values: Annotated[list[str], EMPTY_SHOWN] = field(default_factory=empty_list)
    patterns: Annotated[list[Annotated[str, After(_compiles)]], EMPTY_SHOWN] = field(
        default_factory=empty_list
    )
    env: Annotated[list[str], EMPTY_SHOWN] = field(default_factory=empty_list)


def _keymap_exists(keymap: dict[str, str]) -> dict[str, str]:
    problems = keymap_problems(keymap)
    if problems:
        raise located_error("keymap", problems)
    return normalized(keymap)


def _no_keys() -> dict[str, str]:
    return {}


_REDACTION = Redaction()


@dataclass(init=False, repr=False, eq=False)
class ConsoleOptions(Frozen):
    """console.toml: where journals go, the theme, keys, and what to redact."""

    journal_dir: str | None = None
    # The theme the console opens with; the one picked in the console is written here.
    theme: str | None = None
    lock_dir: str | None = None
    keymap: Annotated[dict[str, str], After(_keymap_exists), Shown({})] = field(
        default_factory=_no_keys
    )
    redact: Redaction = _REDACTION


_CONSOLE, _TRIGGERS, _DRILLS = ConsoleOptions(), TriggerSettings(), DrillSettings()


@dataclass(init=False, repr=False, eq=False)
class Settings(Frozen):
    """The whole configuration, cross-checked: each field is one file of the directory.
    What was read but cannot be honoured without being an error (check-config says it)
    and the directory it was read from are noted on it by the loader (`found_in`)."""

    inventory: Inventory
    procedure: Procedure
    strategies: list[Strategy] = ruled(min_length=1)
    console: ConsoleOptions = _CONSOLE
    triggers: TriggerSettings = _TRIGGERS
    drills: DrillSettings = _DRILLS

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return checked_after(handler(source), _references_resolve)

    def found_in(
        self,
        directory: Path,
        warnings: list[ConfigProblem],
        files: dict[str, bytes | str] | None = None,
        ansible: "list[Seen] | None" = None,
    ) -> None:
        """Notes where these settings were read from, their warnings, the files they
        were read from (as `loading.read_files` gave them) and what their Ansible
        inventories gave."""
        object.__setattr__(self, "_directory", directory)
        object.__setattr__(self, "_warnings", warnings)
        object.__setattr__(self, "_files", files)
        object.__setattr__(self, "_ansible", ansible or [])

    @property
    def ansible_read(self) -> "list[Seen]":
        """Each Ansible-backed system's hosts as its inventory gave them when these
        settings were read: what runs, whatever the inventory says since."""
        seen: list[Seen] = self.__dict__.get("_ansible", [])
        return seen

    @property
    def files_read(self) -> dict[str, bytes | str] | None:
        """The files these settings were read from, as they were then (None: not read
        from a directory): what the console runs, whatever the files say since."""
        return self.__dict__.get("_files")

    @property
    def directory(self) -> Path | None:
        """The configuration directory these settings were read from."""
        return self.__dict__.get("_directory")

    @property
    def warnings(self) -> list[ConfigProblem]:
        warnings: list[ConfigProblem] = self.__dict__.get("_warnings", [])
        return warnings

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

    def why_no_strategy(self, systems: list[str], advice: str) -> str:
        """Why no strategy applies to every one of `systems`: one lists none (then what
        to write), else they have none in common (then `advice`)."""
        bare = [s for s in systems if not self.inventory.system(s).strategies]
        if bare:
            return (
                f"{', '.join(bare)} {'lists' if len(bare) == 1 else 'list'} no strategies in"
                " inventory.toml: name the ones that may roll it back there"
            )
        return f"no strategy applies to every one of {', '.join(systems)}: {advice}"


def _references_resolve(settings: Settings) -> Settings:
    problems = [*reference_problems(settings), *drill_problems(settings)]
    if problems:
        raise located_error("Settings", problems)
    return settings
