"""The stream table fits its terminal: at 80 columns Gaps, Drops and State stay on screen
(the name and the latest value give up room, cut with `…`), and widened again the whole
name comes back."""

from __future__ import annotations

from textual.app import App, ComposeResult

from blebench.ui.streams.stream_table import COLUMNS, StreamRow, StreamTable, column_widths

NAME = "Heart Rate Measurement (chest strap)"  # 36 characters: cut even at the widest
VALUE = "72 bpm, RR 0.812 s 0.799 s 0.805 s, contact: yes"


class TableHost(App[None]):
    def compose(self) -> ComposeResult:
        yield StreamTable(id="t")


def _row() -> StreamRow:
    return StreamRow(key="s1", name=NAME, handle=0x2A, latest=VALUE, count=123_456,
                     rate=5000.0, gaps=3, drops=12)


def test_widths_fill_the_room_and_keep_the_fixed_columns() -> None:
    wide = column_widths(200)
    assert wide == {key: width for key, _label, width in COLUMNS}  # all at their widest
    for available in (100, 120, 140, 160):  # above the name's and value's narrowest
        total = sum(column_widths(available).values()) + 2 * len(COLUMNS) + 1
        assert total <= available
        if available <= 120:  # the room left is all shared out
            assert total == available
    narrow = column_widths(80)
    for key in ("handle", "count", "rate", "gaps", "drops", "state"):
        assert narrow[key] == wide[key]
    middle = column_widths(120)
    assert middle["latest"] > middle["stream"]  # the value gets the larger share


async def test_narrow_table_cuts_name_and_value_and_widening_restores_them() -> None:
    app = TableHost()
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(StreamTable)
        table.update_rows([_row()])
        await pilot.pause()
        assert table.virtual_size.width <= table.size.width  # no sideways scrolling
        name = table.get_cell("s1", "stream")
        assert name.plain.endswith("…") and NAME.startswith(name.plain[:-1])
        assert table.get_cell("s1", "drops").plain == "12"
        assert [str(c.label) for c in table.columns.values()][0] == "Name"

        await pilot.resize_terminal(200, 12)
        await pilot.pause()
        assert [str(c.label) for c in table.columns.values()][0] == "Characteristic"
        assert table.get_cell("s1", "latest").plain == VALUE  # whole again, not re-sent
        assert table.get_cell("s1", "stream").cell_len > name.cell_len
        assert table.row_count == 1
