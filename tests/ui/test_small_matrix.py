"""The Security pane's pairing matrix fits the terminal: every cell shows its method, its
security level or its failure whole, at 100x30, 160x45 and 200x60, with a legend."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import Checkbox, DataTable, Select, Static

from blebench.pairing.bonds import BondStore
from blebench.ui import settings as settings_module
from blebench.ui.security import SecurityPane
from blebench.ui.security.matrix_view import IO_ORDER, IO_SHORT, MatrixView
from tests.ui.app_harness import NoPairing, SecurityHost

METHOD = r"(JW|NC|Passkey|PK|OOB)"
CELL = re.compile(rf"(▶ )?({METHOD} L[1-4]|✗0x[0-9A-F]{{2}}( {METHOD})?)")


def screen_lines(app: SecurityHost) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]  # noqa: SLF001


def grid(app: SecurityHost) -> list[list[str]]:
    table: DataTable[Text] = app.query_one(MatrixView).query_one(DataTable)
    return [[str(table.get_cell_at(Coordinate(r, c))) for c in range(1, 6)] for r in range(5)]


async def failing_matrix(app: SecurityHost) -> None:
    """Ours NoInputNoOutput against a peer that requires MITM: the current cell fails."""
    pane = app.query_one(SecurityPane)
    pane.query_one("#our-io", Select).value = "no-input-no-output"
    pane.query_one("#peer-requires-mitm", Checkbox).value = True


@pytest.mark.parametrize("size", [(100, 30), (160, 45), (200, 60)])
@pytest.mark.parametrize("failing", [False, True])
async def test_every_cell_is_shown_whole(tmp_path: Path, size: tuple[int, int],
                                         failing: bool) -> None:
    app = SecurityHost(NoPairing(), settings_module.Settings(), BondStore(tmp_path / "bonds.json"))
    async with app.run_test(size=size) as pilot:
        if failing:
            await failing_matrix(app)
        await pilot.pause()
        await pilot.pause()
        cells = grid(app)
        lines = screen_lines(app)
        for r, io in enumerate(IO_ORDER):
            found = [m for line in lines
                     if (m := re.search(rf"│ ({io.label}|{IO_SHORT[io]}) ", line))]
            assert found, io  # the first: the table sits above the explanation
            # Each cell reads as method + level or a failure mark, and is on screen whole,
            # in order, separated from the next one.
            rest = found[0].string[found[0].end():]
            for text in cells[r]:
                assert text + " " in rest, f"{text!r} is cut: {found[0].string!r}"
                rest = rest[rest.index(text + " ") + len(text):]
                assert CELL.fullmatch(text), text
        current = cells[IO_ORDER.index(app.query_one(MatrixView).initiator.io)][0]
        if failing:
            assert current.startswith("▶ ✗0x03")
            if size[0] >= 160:
                assert current == "▶ ✗0x03 JW"  # the method too, where there is room
        else:
            assert current == ("▶ Passkey L4" if size[0] >= 160 else "▶ PK L4")
        legend = str(app.query_one("#matrix-legend", Static).render())
        assert "L4 authenticated SC" in legend
        assert ("✗0xNN fails (SMP reason)" in legend) == failing
        assert ("PK passkey entry" in legend) == (size[0] < 160)
        if size[0] < 160:
            assert "NIO NoInputNoOutput" in legend  # the abbreviated IO names explained
        # The legend sits under the table, on screen.
        assert any("authenticated SC" in line for line in lines)
