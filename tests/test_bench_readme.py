"""bench/README.md names every bench/ script and every option its `--help` shows: it had
left out seven scripts' commands and options such as fanout.py's `--warmup` and ui.py's
`--console-autogroup-nice`, which the figures in bench/RESULTS.md were measured with."""

import re
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
OPTION = re.compile(r'add_argument\(\s*"(--[\w-]+)"(?P<rest>[^)]*)')


def test_every_script_and_option_is_in_the_readme() -> None:
    readme = (BENCH / "README.md").read_text()
    missing = []
    for script in sorted(BENCH.rglob("*.py")):
        name = str(script.relative_to(BENCH))
        if name not in readme and script.name not in readme:
            missing.append(name)
        for found in OPTION.finditer(script.read_text()):
            if "SUPPRESS" not in found["rest"] and found[1] not in readme:
                missing.append(f"{name} {found[1]}")
    assert missing == []
