"""The execution screen's host grid: columns, a redraw per changed row, and the cursor."""

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual.app import App, ComposeResult
from textual.strip import Strip

from console.ui.widgets.host_grid import HostGrid

COLUMNS = ("Host", "Status", "Last line")


class CountingGrid(HostGrid):
    """Counts the rows it renders (the cache is what keeps a flood of updates cheap)."""

    rendered = 0

    def _strip(self, values, width, style, over):
        self.rendered += 1
        return super()._strip(values, width, style, over)


class GridApp(App):
    def __init__(self) -> None:
        super().__init__()
        self.highlighted: list[str] = []

    def compose(self) -> ComposeResult:
        yield CountingGrid(COLUMNS)

    def on_host_grid_highlighted(self, message: HostGrid.Highlighted) -> None:
        self.highlighted.append(message.key)


def lines(grid: HostGrid, count: int) -> list[str]:
    return [grid.render_line(y).text.rstrip() for y in range(count)]


async def test_columns_line_up_and_grow_to_fit_and_the_last_is_cut_to_the_width():
    app = GridApp()
    async with app.run_test(size=(40, 8)) as pilot:
        grid = app.query_one(HostGrid)
        grid.set_row("web-1", ("web-1", Text("✔ ok"), "healthy"))
        grid.set_row("web-22", ("web-22", Text("✘ failed"), "x" * 60))
        await pilot.pause()
        header, first, second = lines(grid, 3)
        assert header == " Host    Status    Last line"
        assert first == " web-1   ✔ ok      healthy"
        assert second.startswith(" web-22  ✘ failed  xxx") and second.endswith("…")
        assert len(grid.render_line(2).text) == grid.scrollable_content_region.width
        assert str(grid.get_cell("web-22", "Status")) == "✘ failed"


async def test_a_changed_row_redraws_that_row_alone():
    app = GridApp()
    async with app.run_test(size=(40, 12)) as pilot:
        grid = app.query_one(CountingGrid)
        for n in range(8):
            grid.set_row(f"web-{n}", (f"web-{n}", "running", f"line {n}"))
        await pilot.pause()
        grid.rendered = 0
        grid.set_row("web-3", ("web-3", "running", "line 3b"))
        grid.set_row("web-4", ("web-4", "running", "line 4"))  # unchanged: nothing to do
        await pilot.pause()
        assert grid.rendered == 1
        assert "line 3b" in grid.render_line(4).text


async def test_the_cursor_moves_with_keys_and_tells_the_screen_which_host():
    app = GridApp()
    async with app.run_test(size=(40, 6)) as pilot:
        grid = app.query_one(HostGrid)
        grid.focus()
        for n in range(10):
            grid.set_row(f"web-{n}", (f"web-{n}", "ok", ""))
        await pilot.pause()
        assert app.highlighted == ["web-0"]
        await pilot.press("down", "down")
        assert grid.cursor_key == "web-2"
        await pilot.press("end")
        await pilot.pause()
        assert grid.cursor_key == "web-9"
        assert "web-9" in grid.render_line(grid.scrollable_content_region.height - 1).text
        grid.move_to_key("web-4")
        await pilot.pause()
        assert app.highlighted[-1] == "web-4"
        await pilot.click(HostGrid, offset=(2, 1))
        assert grid.cursor_key == f"web-{round(grid.scroll_y)}"


async def test_on_the_cursor_row_the_cursor_colours_win_over_a_cells_own():
    app = GridApp()
    async with app.run_test(size=(40, 6)) as pilot:
        grid = app.query_one(HostGrid)
        grid.focus()
        grid.set_row("web-1", ("web-1", Text("✘ failed", style="#ef6b6b"), ""))
        grid.set_row("web-2", ("web-2", Text("✘ failed", style="#ef6b6b"), ""))
        await pilot.pause()
        on_cursor = {s.style.color for s in grid.render_line(1) if "failed" in s.text}
        elsewhere = {s.style.color for s in grid.render_line(2) if "failed" in s.text}
        assert elsewhere and on_cursor and on_cursor != elsewhere


async def test_clear_empties_the_grid_and_resets_the_widths():
    app = GridApp()
    async with app.run_test(size=(40, 6)) as pilot:
        grid = app.query_one(HostGrid)
        grid.set_row("a-very-long-host-name", ("a-very-long-host-name", "ok", ""))
        grid.clear()
        await pilot.pause()
        assert grid.row_count == 0 and grid.cursor_key is None
        assert lines(grid, 1) == [" Host  Status  Last line"]


async def test_its_keys_have_ids_that_a_keymap_can_rebind():
    app = GridApp()
    async with app.run_test(size=(40, 6)) as pilot:
        app.set_keymap({"list.down": "j", "list.up": "k"})
        grid = app.query_one(HostGrid)
        grid.focus()
        for n in range(3):
            grid.set_row(f"web-{n}", (f"web-{n}", "ok", ""))
        await pilot.press("j", "j", "k")
        assert grid.cursor_key == "web-1"


async def test_removing_a_row_keeps_the_cursor_on_its_host():
    app = GridApp()
    async with app.run_test(size=(40, 8)) as pilot:
        grid = app.query_one(HostGrid)
        for n in range(4):
            grid.set_row(f"web-{n}", (f"web-{n}", "ok", ""))
        grid.move_to_key("web-2")
        grid.remove_row("web-0")
        await pilot.pause()
        assert grid.keys == ["web-1", "web-2", "web-3"] and grid.cursor_key == "web-2"
        assert "web-1" in grid.render_line(1).text
        grid.remove_row("web-2")  # the cursor's own row: it moves to a neighbour
        assert grid.cursor_key in ("web-1", "web-3") and grid.row_count == 2


async def test_rows_appearing_lay_nothing_out_and_the_scroll_range_follows_them():
    """Hosts' rows appear one by one as they start: a layout pass of the whole screen
    each (Textual's `virtual_size`) was most of a 200-host run's layouts. Only a
    scrollbar coming lays the screen out; the last row can still be scrolled to."""
    app = GridApp()
    async with app.run_test(size=(40, 8)) as pilot:
        grid = app.query_one(HostGrid)
        grid.set_row("web-0", ("web-0", "ok", ""))
        await pilot.pause()
        layouts = []
        refresh = grid.refresh

        def counted(*regions, **kwargs):
            layouts.append(kwargs.get("layout", False))
            return refresh(*regions, **kwargs)

        grid.refresh = counted
        for n in range(1, 4):  # still within its 8 lines
            grid.set_row(f"web-{n}", (f"web-{n}", "ok", ""))
        await pilot.pause()
        assert not any(layouts) and not grid.show_vertical_scrollbar
        for n in range(4, 30):
            grid.set_row(f"web-{n}", (f"web-{n}", "ok", ""))
        await pilot.pause()
        assert grid.show_vertical_scrollbar and grid.virtual_size.height == 31
        grid.move_to(-1)
        await pilot.pause()
        assert "web-29" in "".join(strip.text for strip in app.screen._compositor.render_strips())


def rich_row(grid: HostGrid, values: tuple, width: int) -> list[Segment]:
    """A row as Rich renders its cells made Text, padded to their columns, joined."""
    line = Text(" ", no_wrap=True, overflow="ellipsis")
    for i, value in enumerate(values):
        cell = value.copy() if isinstance(value, Text) else Text(value)
        if i < len(values) - 1:
            cell.truncate(grid.widths[i], pad=True)
        line.append_text(cell)
        if i < len(values) - 1:
            line.append(" " * 2)  # the gap
    line.truncate(width, overflow="ellipsis")
    segments = Segment.apply_style(line.render(grid.app.console, end=""), grid.rich_style)
    return list(Strip(segments).crop_extend(0, width, grid.rich_style))


async def test_a_row_of_plain_cells_is_what_rich_renders_of_them():
    """Plain cells are appended as padded strings: the row is the same as their Texts
    padded and joined, wide characters, cut cells and styled cells included."""
    app = GridApp()
    async with app.run_test(size=(40, 8)):
        grid = app.query_one(HostGrid)
        rows = [
            ("web-1", Text("running", style="bold"), "日本語 line"),
            ("😀 api", "日本", "x" * 60),
            ("a", Text("failed", style="red"), ""),
        ]
        for values in rows:
            grid.set_row(values[0], values)
        grid.widths[0] = 3  # a column narrower than its cells: Text's own cut
        for values in rows:
            for width in (12, 38):
                got = list(grid._strip(values, width, grid.rich_style, None))
                assert got == rich_row(grid, values, width)


class ExecutionGridApp(App):
    """The execution screen's grid as it lays it out: its columns, fold and squeeze."""

    def compose(self) -> ComposeResult:
        from console.ui.screens.execution_rows import COLUMNS, SQUEEZE

        yield HostGrid(COLUMNS, fold=COLUMNS.index("Failure"), squeeze=SQUEEZE)


async def test_long_host_and_system_names_leave_the_status_on_an_80_column_line():
    """Seen with 40-character names at 80x24: 'Host' and 'System' took 80 columns, and
    every row ended 'payments-ledger-reconciliation-s…' with no status, stage or exit;
    the names cut at their end would have read alike (…-01 and …-02). Now the system,
    then the host, give way, each cut in the middle, keeping the end that tells them
    apart; wide characters count as two cells."""
    app = ExecutionGridApp()
    system = "payments-ledger-reconciliation-service"
    async with app.run_test(size=(80, 8)) as pilot:
        grid = app.query_one(HostGrid)
        for n, status in ((1, "✔ succeeded"), (2, "✘ failed")):
            host = f"payments-ledger-reconciliation-eu-west-1a-0{n}"
            row = (host, system, Text(status), "apply", "1", "", str(n - 1), "done")
            grid.set_row(host, row)
        grid.set_row("web-1", ("web-1", "web", Text("✘ failed"), "apply", "1", "", "1", "x"))
        grid.set_row(
            "東京-ウェブ-サーバー-一号機",
            ("東京-ウェブ-サーバー-一号機", "web", Text("? unknown"), "", "", "", "", ""),
        )
        await pilot.pause()
        header, first, second, third, fourth = lines(grid, 5)
        assert "Status" in header and "Exit" in header, header
        assert "✔ succeeded" in first and "✘ failed" in second and "? unknown" in fourth
        assert first.split()[0] != second.split()[0]
        assert first.split()[0].endswith("-1a-01") and "…" in first.split()[0]
        assert third.split()[:3] == ["web-1", "web", "✘"]
        assert all(cell_len(line) <= 80 for line in (header, first, second, third, fourth))
        columns = [
            cell_len(line[: line.index(mark)])
            for line, mark in ((first, "✔"), (second, "✘"), (third, "✘"), (fourth, "?"))
        ]
        assert len(set(columns)) == 1, columns  # the status column lines up


async def test_hosts_that_differ_mid_name_never_read_alike_once_cut():
    """At 80x24, payments-ledger-reconciliation-eu-west-1a-01 and its us-west twin both
    read 'payments-…west-1a-01' (the host column cut in the middle to its 20 cells): two
    rows, one failed and one succeeded, for what looked like one host. Names cut alike
    now keep where they differ, and a host added later that would read like one already
    shown cuts both apart."""
    app = ExecutionGridApp()
    system = "payments-ledger-reconciliation-service"

    def row(host: str, status: str) -> tuple:
        return (host, system, Text(status), "apply", "1", "", "0", "done")

    hosts = [f"payments-ledger-reconciliation-{r}-west-1a-01" for r in ("eu", "us", "ap")]
    async with app.run_test(size=(80, 8)) as pilot:
        grid = app.query_one(HostGrid)
        grid.set_row(hosts[0], row(hosts[0], "✔ succeeded"))
        grid.set_row("web-1", row("web-1", "✔ succeeded"))
        await pilot.pause()
        alone = lines(grid, 2)[1].split()[0]
        assert alone == "payments-…west-1a-01", alone  # nothing like it: cut as before
        for host, status in ((hosts[1], "✘ failed"), (hosts[2], "✔ succeeded")):
            grid.set_row(host, row(host, status))
        await pilot.pause()
        shown = [line.split()[0] for line in lines(grid, 5)[1:]]
        assert shown[1] == "web-1"
        named = [shown[0], *shown[2:]]
        assert len(set(named)) == 3, named
        for cut, region in zip(named, ("eu", "us", "ap"), strict=True):
            assert f"-{region}-west" in cut and "…" in cut and cell_len(cut) <= 20, cut
        assert "✘ failed" in lines(grid, 5)[3]


def test_distinct_cuts_keep_where_names_differ():
    from console.ui.widgets.one_line import distinct_cuts

    names = [f"checkout-api-{r}-1a-0{n}" for r in ("eu-west", "us-west", "eu-east") for n in (1, 2)]
    for cells in (12, 14, 20):
        cuts = distinct_cuts(names, cells)
        assert len(set(cuts.values())) == len(names), cuts
        assert all(cell_len(c) <= cells for c in cuts.values()), cuts
    assert distinct_cuts(["web-1", "web-2"], 12) == {"web-1": "web-1", "web-2": "web-2"}


def test_a_middle_cut_keeps_head_and_tail_in_the_cells_given():
    from console.ui.widgets.one_line import middle_cut

    assert middle_cut("web-1", 12) == "web-1"
    assert middle_cut("payments-ledger-reconciliation-eu-west-1a-01", 20) == "payments-…west-1a-01"
    cut = middle_cut("東京ウェブサーバー一号機", 11)
    assert cell_len(cut) <= 11 and cut.endswith("号機") and "…" in cut
