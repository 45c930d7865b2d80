"""bench/README.md names every bench/ script and, where it names the script, every option
its `--help` shows: it had left out seven scripts' commands and options such as fanout.py's
`--warmup` and ui.py's `--console-autogroup-nice`, which the figures in bench/RESULTS.md
were measured with."""

import re
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
OPTION = re.compile(r'add_argument\(\s*"(--[\w-]+)"(?P<rest>[^)]*)')


def test_every_script_and_option_is_in_the_readme() -> None:
    sections = re.split(r"^## ", (BENCH / "README.md").read_text(), flags=re.MULTILINE)
    missing = []
    for script in sorted(BENCH.rglob("*.py")):
        name = str(script.relative_to(BENCH))
        naming = [s for s in sections if name in s or script.name in s]
        if not naming:
            missing.append(name)
        for found in OPTION.finditer(script.read_text()):
            if "SUPPRESS" not in found["rest"] and not any(found[1] in s for s in naming):
                missing.append(f"{name} {found[1]}")
    assert missing == []
