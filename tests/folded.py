"""What a headless command says in its own words is folded to 80 columns: read back here
as the sentences it folded, to compare them whole."""

from __future__ import annotations

WIDTH = 80  # a terminal's


def folded(out: str, first: str, rest: str) -> list[str]:
    """Each sentence of `out` said on a line beginning with `first` and the lines after it
    beginning with `rest` (not `first`, where they differ), as one line again, the
    prefixes taken off."""
    said: list[list[str]] = []
    going = False
    for line in out.splitlines():
        more = going and line.startswith(rest) and (first == rest or not line.startswith(first))
        if more:
            said[-1].append(line[len(rest) :])
        elif line.startswith(first):
            said.append([line[len(first) :]])
        going = more or line.startswith(first)
    return [" ".join(parts) for parts in said]


def too_wide(out: str, prefixes: tuple[str, ...]) -> list[str]:
    """The lines of `out` beginning with one of `prefixes` that do not fit WIDTH, but a
    line of one word that no line could hold (a long path, kept whole)."""
    return [
        line
        for line in out.splitlines()
        if line.startswith(prefixes)
        and len(line) >= WIDTH
        and max(len(word) for word in line.split()) < WIDTH - 4
    ]
