"""The selected device in detail: advertising data and scan response side by side.

Redrawn only when the device's payload bytes change (not at every RSSI update): a Rich
table per payload is cheap once, not at 10 Hz for every advertisement.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from blebench.ui.safe_text import safe_text
from blebench.ui.scan.model import ScanRow
from blebench.ui.scan.payload_view import payload_table, vendor_text

NO_SCAN_RESPONSE_PASSIVE = (
    "No scan response: in a passive scan the scanner never asks for one "
    "(switch to active with `a`)."
)
NO_SCAN_RESPONSE_ACTIVE = (
    "No scan response: this device is not scannable, or none was received yet."
)


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
    if row.errors:
        text.append(
            f"\n⚠ {row.errors} malformed structure{'s' if row.errors != 1 else ''}",
            style="bold red",
        )
    return text


class AdvertisementDetail(Vertical):
    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._shown: tuple[str, bytes | None, bytes | None, bool] | None = None
        self.passive = False

    def compose(self) -> ComposeResult:
        yield Static(Text("Select a device to see its advertising data.", style="dim"),
                     id="detail-summary")
        with Horizontal(id="detail-columns"):
            with VerticalScroll(id="adv-column", classes="payload-column") as adv:
                adv.border_title = "Advertising data"
                yield Static(id="adv-data")
                yield Static(id="detail-vendor")
            with VerticalScroll(id="scan-response-column", classes="payload-column") as sr:
                sr.border_title = "Scan response"
                yield Static(id="scan-response-data")

    def show(self, row: ScanRow | None) -> None:
        summary = self.query_one("#detail-summary", Static)
        if row is None:
            self._shown = None
            summary.update(Text("No device selected.", style="dim"))
            for selector in ("#adv-data", "#scan-response-data", "#detail-vendor"):
                self.query_one(selector, Static).update("")
            return
        summary.update(summary_text(row))
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
