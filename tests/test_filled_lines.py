"""Which lines of a rendered command a value went into (console/model/filled.py): what
the run confirmation shows of a long command text before all of it."""

from __future__ import annotations

from console.model.filled import filled_lines
from console.model.loading import load_settings
from console.model.templates import render_command
from console.paths import example_config


def _shown(template: str, values: dict[str, str], workdir: str | None = None) -> str:
    return render_command(template, values, workdir, lambda text: text).shown


def test_the_lines_a_value_went_into_and_the_workdirs_cd() -> None:
    template = "a=1\nb={{x}} c={{y}}\nplain\n{{z}}{{x}}\nend {{x}}"
    # y's value runs over two lines: both are its
    shown = _shown(template, {"x": "v 1", "y": "two\nlines", "z": "z"}, "/srv/app")
    lines = shown.splitlines()
    assert [lines[i] for i in filled_lines(template, shown) or []] == [
        "cd -- /srv/app || exit 97",
        "b='v 1' c='two",
        "lines'",
        "z'v 1'",
        "end 'v 1'",
    ]


def test_a_template_without_values_marks_none_and_a_text_not_its_own_is_refused() -> None:
    assert filled_lines("no values\nhere", "no values\nhere") == []
    assert filled_lines("x {{a}}", "y 'b'") is None  # its own text is not there
    assert filled_lines("x {{a}} y", "x 'b' z") is None
    masked = _shown("echo {{a}} then", {"a": "s3cret"}).replace("then", "****")
    assert filled_lines("echo {{a}} then", masked) is None  # a redaction took its text


def test_every_stage_of_a_preset_marks_its_placeholder_lines() -> None:
    strategy = load_settings(example_config()).strategy("orders-pitr")
    values = {p.name: p.default or "" for p in strategy.params}
    values |= {"recovery_target_time": "2026-03-14T09:00:00Z", "host": "db-1", "system": "db"}
    values |= {"incident": "20260314-093000-demo"}
    for stage, template in strategy.commands.stages():
        shown = _shown(template, values, "/var/lib/postgresql")
        placed = [i + 1 for i, ln in enumerate(template.splitlines()) if "{{" in ln]
        assert filled_lines(template, shown) == [0, *placed], stage  # 0: the workdir's cd
