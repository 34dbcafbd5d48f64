"""The selected device in detail: advertising data and scan response side by side.

Redrawn only when the device's payload bytes change (not at every RSSI update): a Rich
table per payload is cheap once, not at 10 Hz for every advertisement.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import ScrollableContainer, Vertical, VerticalScroll
from textual.widgets import Static

from blebench.ui.safe_text import safe_text
from blebench.ui.scan.model import ScanRow, age_text, interval_text, phy_text
from blebench.ui.scan.payload_view import payload_table, vendor_text
from blebench.ui.steady import SteadyStatic

NO_SCAN_RESPONSE_PASSIVE = (
    "No scan response: in a passive scan the scanner never asks for one "
    "(switch to active with `a`)."
)
NO_SCAN_RESPONSE_ACTIVE = (
    "No scan response: this device is not scannable, or none was received yet."
)


def timing_text(row: ScanRow) -> str:
    """`every 100 ms · 42 reports · LE 1M`: what the reports tell of the advertiser."""
    parts = []
    if row.interval_ms is not None:
        parts.append(f"every {interval_text(row.interval_ms)} (measured)")
    parts.append(f"{row.reports} report{'s' if row.reports != 1 else ''}")
    phy = phy_text(row.primary_phy, row.secondary_phy)
    if phy:
        parts.append(f"PHY {phy}")
    if row.previous_addresses:
        count = len(row.previous_addresses)
        parts.append(
            f"address rotated {count}× (same advertising data; was {row.previous_addresses[-1]})"
        )
    return " · ".join(parts)


def scan_response_title(row: ScanRow | None, passive: bool, now: float) -> str:
    """The scan response box's title, with its age when it is not fresh: in a passive
    scan no new one comes, so the one shown is from an earlier active scan."""
    if row is None or row.scan_response_received is None:
        return "Scan response"
    ago = age_text(max(0.0, now - row.scan_response_received))
    ago = "just now" if ago == "now" else ago
    if passive:
        return f"Scan response · heard {ago}, in an active scan (passive asks for none)"
    if row.adv_received is not None and row.adv_received - row.scan_response_received > 5:
        return f"Scan response · heard {ago}"
    return "Scan response"


def summary_text(row: ScanRow) -> Text:
    text = safe_text(row.name, max_len=60, style="bold") if row.name else Text(
        "(no name)", style="bold dim"
    )
    text.append("  ")
    text.append_text(safe_text(row.address, max_len=40))
    text.append(f"  {row.address_type}", style="dim")
    if row.rssi is not None:
        text.append(f"  {row.rssi} dBm")
    if row.connectable is not None:
        text.append("  connectable" if row.connectable else "  not connectable", style="dim")
    if row.kind:
        text.append("  ")
        text.append_text(safe_text(row.kind, max_len=60, style="italic"))
    text.append("\n")
    text.append(timing_text(row), style="dim")
    if row.errors:
        text.append(
            f"\n⚠ {row.errors} malformed structure{'s' if row.errors != 1 else ''}",
            style="bold red",
        )
    return text


class PayloadColumns(ScrollableContainer, can_focus=False):
    """The two payload columns: side by side when wide; under 110 columns one above the
    other in this one scrolling box (app.tcss), which the arrow keys in a column scroll
    once the column itself has nothing to scroll."""


class AdvertisementDetail(Vertical):
    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._shown: tuple[str, bytes | None, bytes | None, bool] | None = None
        self.passive = False
        self.clock: Callable[[], float] = lambda: 0.0  # the pane's: the reports' clock

    def compose(self) -> ComposeResult:
        yield SteadyStatic(Text("Select a device to see its advertising data.", style="dim"),
                     id="detail-summary")
        with PayloadColumns(id="detail-columns"):
            with VerticalScroll(id="adv-column", classes="payload-column") as adv:
                adv.border_title = "Advertising data"
                yield SteadyStatic(id="adv-data")
                yield SteadyStatic(id="detail-vendor")
            with VerticalScroll(id="scan-response-column", classes="payload-column") as sr:
                sr.border_title = "Scan response"
                yield SteadyStatic(id="scan-response-data")

    def show(self, row: ScanRow | None) -> None:
        summary = self.query_one("#detail-summary", Static)
        if row is None:
            self._shown = None
            self.query_one("#scan-response-column").border_title = "Scan response"
            summary.update(Text("No device selected.", style="dim"))
            for selector in ("#adv-data", "#scan-response-data", "#detail-vendor"):
                self.query_one(selector, Static).update("")
            return
        summary.update(summary_text(row))
        column = self.query_one("#scan-response-column")
        title = scan_response_title(row, self.passive, self.clock())
        if column.border_title != title:
            column.border_title = title
            column.set_class(title != "Scan response", "-stale")
        adv_raw = row.adv.raw if row.adv is not None else None
        sr_raw = row.scan_response.raw if row.scan_response is not None else None
        key = (row.address, adv_raw, sr_raw, self.passive)
        if key == self._shown:
            return
        self._shown = key
        self.query_one("#adv-data", Static).update(
            payload_table(
                adv_raw,
                row.adv.structures if row.adv is not None else None,
                absent="No advertising data received yet.",
            )
        )
        vendors = [
            (f"{source}: {vendor.format}", {**vendor.fields, **({"note": vendor.note} if vendor.note else {})})
            for source, payload in (("adv", row.adv), ("scan response", row.scan_response))
            if payload is not None
            for vendor in payload.vendors
        ]
        self.query_one("#detail-vendor", Static).update(vendor_text(vendors))
        self.query_one("#scan-response-data", Static).update(
            payload_table(
                sr_raw,
                row.scan_response.structures if row.scan_response is not None else None,
                absent=NO_SCAN_RESPONSE_PASSIVE if self.passive else NO_SCAN_RESPONSE_ACTIVE,
            )
        )
