"""feature-toggle-off and feature-reenable, preset `file`: a file of `name=percent` lines."""

from __future__ import annotations

from console.model.kinds import StrategyKind
from console.model.params import ParamType
from console.model.presets.base import CHECK, RESTART, Preset, param, run_optional

FLAG_LIST = r"[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*"

FLAGS = param("flags", "comma-separated flag names", pattern=FLAG_LIST, required=True)
FLAGS_FILE = param(
    "flags_file", "the file of `name=percent` lines", type=ParamType.PATH, required=True
)

# Every named flag must be in the file: a typo must not "disable" nothing.
_FLAGS_EXIST = """\
mkdir -p .rollback
FLAGS={{flags}} awk -F= '
  BEGIN { n = split(ENVIRON["FLAGS"], f, ","); for (i = 1; i <= n; i++) want[f[i]] = 1 }
  ($1 in want) { print "flag " $0; seen++ }
  END { if (seen < n) { print "unknown flag in " ENVIRON["FLAGS"] > "/dev/stderr"; exit 3 } }
' {{flags_file}}
"""


def _set_flags(value: str) -> str:
    """Rewrite the named flags' lines to `value`; the file is replaced in one rename."""
    return f"""\
FLAGS={{{{flags}}}} VALUE={value} awk -F= '
  BEGIN {{ n = split(ENVIRON["FLAGS"], f, ","); for (i = 1; i <= n; i++) want[f[i]] = 1 }}
  ($1 in want) {{ $0 = $1 "=" ENVIRON["VALUE"] }} {{ print }}
' {{{{flags_file}}}} > {{{{flags_file}}}}.new && mv {{{{flags_file}}}}.new {{{{flags_file}}}}
"""


def _flags_are(value: str) -> str:
    return f"""\
FLAGS={{{{flags}}}} VALUE={value} awk -F= '
  BEGIN {{ n = split(ENVIRON["FLAGS"], f, ","); for (i = 1; i <= n; i++) want[f[i]] = 1 }}
  ($1 in want) {{ print "flag " $0; seen++; if ($2 != ENVIRON["VALUE"]) bad = 1 }}
  END {{ if (bad || seen < n) {{ print "flags are not all at " ENVIRON["VALUE"] > "/dev/stderr"; exit 1 }} }}
' {{{{flags_file}}}}
"""


RESTART_NOW = run_optional("restart", "restart")

PRESETS = (
    Preset(
        kind=StrategyKind.FEATURE_TOGGLE_OFF,
        name="file",
        summary="set the named flags to 0 in a `name=percent` file, then restart or reload",
        params=(FLAGS, FLAGS_FILE, RESTART, CHECK),
        precheck=_FLAGS_EXIST,
        action="cp {{flags_file}} .rollback/flags-before-off\n"
        + _set_flags("0")
        + 'echo "disabled: "{{flags}}\n'
        + RESTART_NOW,
        verify=_flags_are("0") + run_optional("check", "health check"),
        undo="cp .rollback/flags-before-off {{flags_file}}\n" + RESTART_NOW,
        needs=("the flags file, writable by the login user", "awk"),
    ),
    Preset(
        kind=StrategyKind.FEATURE_REENABLE,
        name="file",
        summary="raise the named flags step by step (5, 25, 50, 100 %), checking health between",
        params=(
            FLAGS,
            FLAGS_FILE,
            param(
                "steps",
                "percentages, each checked before the next",
                pattern=r"[0-9]{1,3}(,[0-9]{1,3})*",
                default="5,25,50,100",
            ),
            RESTART,
            CHECK,
        ),
        precheck=_FLAGS_EXIST + "cp {{flags_file}} .rollback/flags-before-reenable\n",
        action=_set_flags("{{percent}}")
        + 'echo "now at "{{percent}}"%: "{{flags}}\n'
        + RESTART_NOW,
        verify=_flags_are("{{percent}}") + run_optional("check", "health check"),
        undo="cp .rollback/flags-before-reenable {{flags_file}}\n" + RESTART_NOW,
        needs=("the flags file, writable by the login user", "awk"),
    ),
)
