"""Keyboard input reports as keys: one `KeyboardView` per subscribed keyboard report (a HID
Report whose Report Reference says input and whose map holds keyboard usages, or the Boot
Keyboard Input Report), fed every sample of its stream so no key-down is missed, keeping
the keys held by the last report and the text typed so far.

No Textual here: the GATT pane draws `keys_line()`, the Streams pane decodes its log lines
with `decode()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text

from blebench.decode import hid
from blebench.decode.hid_usages import PAGE_KEYBOARD
from blebench.ui.safe_text import safe_text

# Typed control characters drawn as what a keyboard shows for them.
SHOWN_AS = {"\n": "⏎", "\t": "⇥"}
MAX_TYPED_SHOWN = 120  # the newest characters; the accumulator keeps more


def has_keyboard_input(report_map: hid.ReportMap, report_id: int | None) -> bool:
    """Whether the map's input report `report_id` carries keyboard keys."""
    report = report_map.report("input", report_id)
    if report is None:
        return False
    return any(page == PAGE_KEYBOARD for f in report.fields for page, _a, _b in f.usage_spans)


def shown_text(text: str) -> str:
    return "".join(SHOWN_AS.get(ch, ch) for ch in text)


@dataclass(slots=True)
class KeyboardView:
    """What one keyboard input report has typed. `report_map` None: the boot protocol."""

    handle: int
    label: str
    report_map: hid.ReportMap | None = None
    report_id: int | None = None
    seen: int = 0  # the stream's sample number fed last
    last_keys: tuple[str, ...] = ()
    reports: int = 0
    accumulator: hid.KeyboardTextAccumulator = field(init=False)

    def __post_init__(self) -> None:
        self.accumulator = hid.KeyboardTextAccumulator(self.report_map, self.report_id)

    @property
    def text(self) -> str:
        return self.accumulator.text

    def decode(self, data: bytes) -> dict[str, Any]:
        """One report as log fields: the keys held and what they type."""
        value = hid.decode_input_report(self.accumulator.report_map, self.report_id, data)
        out: dict[str, Any] = {"keys": " + ".join(value.keys) or "none"}
        if value.text:
            out["text"] = "␣" if value.text == " " else shown_text(value.text)
        if value.error:
            out["error"] = value.error
        return out

    def feed(self, reports: Iterable[bytes]) -> bool:
        """Every new report, in order; True when any came."""
        fed = False
        for data in reports:
            self.accumulator.feed(data)
            value = hid.decode_input_report(self.accumulator.report_map, self.report_id, data)
            self.last_keys = value.keys
            self.reports += 1
            fed = True
        return fed

    def keys_line(self) -> Text:
        """`⌨ Report 0x0014  keys: none  typed: hello blebench⏎` for the GATT pane."""
        out = Text("⌨ ", style="bold")
        out.append_text(safe_text(self.label, max_len=40, style="bold"))
        out.append(f" 0x{self.handle:04X}", style="dim")
        out.append(f"  {self.reports} report{'s' if self.reports != 1 else ''}", style="dim")
        out.append("   keys: ")
        out.append_text(safe_text(" + ".join(self.last_keys) or "none", max_len=60, style="bold"))
        out.append("\ntyped: ")
        typed = shown_text(self.text)
        if len(typed) > MAX_TYPED_SHOWN:
            typed = "…" + typed[-MAX_TYPED_SHOWN:]
        if typed:
            out.append_text(safe_text(typed, max_len=MAX_TYPED_SHOWN + 1, style="reverse"))
        else:
            out.append("nothing yet", style="dim")
        return out
