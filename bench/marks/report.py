"""What each mark of bench/marks/sitecustomize.py cost, from callgrind's dumps:

    python bench/marks/report.py DIR                 # the top level, in order
    python bench/marks/report.py DIR NAME [MIN_M]    # NAME's tree (a module, D:..., M:...)
    python bench/marks/report.py DIR --sum PREFIX    # every mark starting with PREFIX, by cost

DIR holds the dumps (cg.out.N: dump N is what ran between marks N-1 and N) and marks.tsv.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Mark:
    name: str
    start: int
    cost: int = 0
    inner: list[Mark] = field(default_factory=list)

    @property
    def own(self) -> int:
        return self.cost - sum(m.cost for m in self.inner)


def read(directory: Path) -> Mark:
    dumps: dict[int, int] = {}
    for path in directory.glob("cg.out.*"):
        number = path.name.rsplit(".", 1)[1]
        found = re.search(r"^(?:summary|totals): (\d+)", path.read_text(), re.MULTILINE)
        if number.isdigit() and found:
            dumps[int(number)] = int(found[1])
    if not dumps or not (directory / "marks.tsv").is_file():
        print(f"{directory}: no callgrind dumps (cg.out.N) and marks.tsv there", file=sys.stderr)
        sys.exit(2)
    upto = [0]
    for number in range(1, max(dumps) + 1):
        upto.append(upto[-1] + dumps.get(number, 0))
    root = Mark("(process)", 0)
    stack = [root]
    for line in (directory / "marks.tsv").read_text().splitlines():
        event, name, number = line.split("\t")
        if event == "start":
            stack.append(Mark(name, int(number)))
            stack[-2].inner.append(stack[-1])
        elif event == "end":
            done = stack.pop()
            done.cost = upto[int(number)] - upto[done.start]
        else:
            root.cost = upto[int(number)]
    return root


def walk(mark: Mark) -> list[Mark]:
    return [mark, *(m for inner in mark.inner for m in walk(inner))]


def show(mark: Mark, least: float, depth: int = 0) -> None:
    print(f"{'  ' * depth}{mark.name}: {mark.cost / 1e6:.1f} M (own {mark.own / 1e6:.1f})")
    for inner in mark.inner:
        if inner.cost >= least * 1e6:
            show(inner, least, depth + 1)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dir", type=Path)
    parser.add_argument("name", nargs="?", help="a mark's tree (the top level without it)")
    parser.add_argument("min_m", nargs="?", type=float, help="leave out marks under MIN_M M")
    parser.add_argument("--sum", metavar="PREFIX", help="every mark starting with PREFIX")
    args = parser.parse_args(argv)
    root = read(args.dir)
    if args.sum is not None:
        marks = sorted(
            (m for m in walk(root) if m.name.startswith(args.sum)), key=lambda m: -m.cost
        )
        for m in marks:
            print(f"{m.cost / 1e6:8.1f} M  {m.name}")
        print(f"{sum(m.cost for m in marks) / 1e6:8.1f} M  in {len(marks)} marks")
        return
    name = args.name or root.name
    least = args.min_m if args.min_m is not None else (0.0 if name == root.name else 1.0)
    found = next((m for m in walk(root) if m.name == name), None)
    if found is None:
        sys.exit(f"no mark {name!r}")
    show(found, least if found is not root else 2.0, 0)


if __name__ == "__main__":
    main(sys.argv[1:])
