"""The served characteristics and their values now, one row each (keyed by value handle).
Cells are `safe_text`: a value from the air is shown literally."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import DataTable

from blebench.ui.safe_text import safe_text

if TYPE_CHECKING:
    from blebench.session.peripheral import ServedCharacteristic

_SHORT_PROPS = {"read": "R", "write": "W", "write-without-response": "w", "notify": "N",
                "indicate": "I"}
VALUE_CHARS = 32  # with the other columns, 80 columns without a sideways scroll
NAME_CHARS = 22


class CharacteristicsTable(DataTable[Text]):
    """Handle, characteristic, properties, subscribers, value (hex, then decoded)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)  # type: ignore[arg-type]
        self._shown: tuple[ServedCharacteristic, ...] = ()

    def on_mount(self) -> None:
        self.add_column("Handle", key="handle", width=6)
        self.add_column("Characteristic", key="name", width=NAME_CHARS)
        self.add_column("Props", key="props", width=5)
        self.add_column("Subs", key="subs", width=4)
        self.add_column("Value", key="value")

    @property
    def selected_handle(self) -> int | None:
        if not self.row_count:
            return None
        row = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return int(row.value) if row.value is not None else None

    def show(self, rows: list[ServedCharacteristic]) -> None:
        """Redraw only what changed (the pane calls it every refresh)."""
        new = tuple(rows)
        if new == self._shown:
            return
        same_rows = [r.handle for r in new] == [r.handle for r in self._shown]
        if not same_rows:
            selected = self.selected_handle
            self.clear()
            for row in new:
                self.add_row(*_cells(row), key=str(row.handle))
            if selected is not None and any(r.handle == selected for r in new):
                self.move_cursor(row=self.get_row_index(str(selected)))
        else:
            for old, row in zip(self._shown, new, strict=True):
                if old != row:
                    key = str(row.handle)
                    self.update_cell(key, "subs", _cells(row)[3])
                    self.update_cell(key, "value", _cells(row)[4], update_width=False)
        self._shown = new

    def model(self, handle: int | None) -> ServedCharacteristic | None:
        return next((r for r in self._shown if r.handle == handle), None)


def _cells(row: ServedCharacteristic) -> tuple[Text, Text, Text, Text, Text]:
    # A vendor's 128-bit UUID as its first 8 hex digits and …, as the GATT pane's tree.
    uuid = row.uuid if len(row.uuid) <= 8 else f"{row.uuid[:8]}…"
    name = uuid + (f" {row.name}" if row.name else "")
    props = "".join(_SHORT_PROPS.get(p, "?") for p in row.properties)
    value = row.value.hex(" ") or "(empty)"
    if row.decoded:
        value = f"{value}  {row.decoded}"
    return (
        Text(f"0x{row.handle:04X}"),
        safe_text(name, max_len=NAME_CHARS),
        Text(props),
        Text(str(row.subscribers) if row.can_push else "-"),
        safe_text(value, max_len=VALUE_CHARS),
    )
