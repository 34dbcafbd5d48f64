"""What the Scan pane shows of one device, the filters and the sort: plain data, no Textual.

`ScanRow` is built from the session's device record (`row_from_record`), once per changed
record per refresh; the table compares rows to update only the cells that changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from blebench.decode.formats import LABELS as FORMAT_LABELS
from blebench.decode.names import company_name, normalize_uuid
from blebench.decode.payload import DecodedPayload
from blebench.session.api import FilterError  # the one FilterError (a UserInputError)
from blebench.session.models import live_window

if TYPE_CHECKING:
    from blebench.session.models import DeviceRecord

# The Scan pane's names of the vendor formats, as each format declares its label.
VENDOR_LABELS = FORMAT_LABELS


@dataclass(frozen=True, slots=True)
class ScanRow:
    address: str
    name: str | None
    address_type: str
    rssi: int | None
    rssi_history: tuple[int, ...]
    connectable: bool | None
    first_seen: float
    last_seen: float
    adv: DecodedPayload | None
    scan_response: DecodedPayload | None
    kind: str  # beacon format(s) or company name(s); "" when neither
    # The registry's key (stable while a private address rotates); rows are keyed by it.
    key: str = ""
    interval_ms: float | None = None  # measured from the reports heard
    reports: int = 0
    primary_phy: str | None = None
    secondary_phy: str | None = None
    previous_addresses: tuple[str, ...] = ()
    adv_received: float | None = None  # when the advertising data / scan response shown
    scan_response_received: float | None = None  # were last received (monotonic s)

    def live(self, now: float) -> bool:
        """Heard lately (the session's rule): counted in "N now"; otherwise dimmed."""
        return now - self.last_seen <= live_window(self.interval_ms)

    @property
    def service_uuids(self) -> tuple[str, ...]:
        return _joined(self, "service_uuids")

    @property
    def company_ids(self) -> tuple[int, ...]:
        return _joined(self, "company_ids")

    @property
    def errors(self) -> int:
        return sum(p.errors for p in (self.adv, self.scan_response) if p is not None)


def _joined(row: ScanRow, attribute: str) -> tuple[Any, ...]:
    out: tuple[Any, ...] = ()
    for payload in (row.adv, row.scan_response):
        if payload is not None:
            out += getattr(payload, attribute)
    return out


def kind_of(adv: DecodedPayload | None, scan_response: DecodedPayload | None) -> str:
    """Beacon formats when recognised, else company names, else ""."""
    formats: list[str] = []
    companies: list[str] = []
    for payload in (adv, scan_response):
        if payload is None:
            continue
        for vendor in payload.vendors:
            label = VENDOR_LABELS.get(vendor.format, vendor.format)
            if label not in formats:
                formats.append(label)
        for company_id in payload.company_ids:
            label = company_name(company_id) or f"company 0x{company_id:04X}"
            if label not in companies:
                companies.append(label)
    return ", ".join(formats or companies)


def row_from_record(record: DeviceRecord) -> ScanRow:
    adv = record.adv.decoded if record.adv is not None else None
    scan_response = record.scan_response.decoded if record.scan_response is not None else None
    return ScanRow(
        address=record.address,
        name=record.name,
        address_type=record.address_type,
        rssi=record.rssi,
        rssi_history=tuple(value for _t, value in record.rssi_history),
        connectable=record.connectable,
        first_seen=record.first_seen,
        last_seen=record.last_seen,
        adv=adv,
        scan_response=scan_response,
        kind=kind_of(adv, scan_response),
        key=record.key or record.address,
        interval_ms=record.interval_ms,
        reports=record.count,
        primary_phy=record.primary_phy,
        secondary_phy=record.secondary_phy,
        previous_addresses=tuple(record.previous_addresses),
        adv_received=record.adv.received if record.adv is not None else None,
        scan_response_received=(
            record.scan_response.received if record.scan_response is not None else None
        ),
    )


SHORT_ADDRESS_TYPES = {
    "public": "public",
    "random-static": "static",
    "resolvable-private": "RPA",
    "non-resolvable-private": "NRPA",
    "unknown": "?",
}


def interval_text(interval_ms: float | None) -> str:
    """`100 ms`, `1.02 s`; "" until measured."""
    if interval_ms is None:
        return ""
    if interval_ms < 1000:
        return f"{interval_ms:.0f} ms"
    return f"{interval_ms / 1000:.2f} s"


def phy_text(primary: str | None, secondary: str | None) -> str:
    """`1M`, `1M/2M` (extended: primary/secondary), "" when the radio does not say."""
    if primary is None:
        return ""
    short = primary.removeprefix("LE ")
    if secondary is not None:
        short += "/" + secondary.removeprefix("LE ")
    return short


# -- filters ------------------------------------------------------------------------------


def _uuid_needle(text: str) -> str:
    """A UUID filter as a lowercase needle: `180d` and `0x180D` match 0000180d-0000-1000-..."""
    cleaned = text.strip().lower()
    if cleaned.startswith("0x"):
        cleaned = cleaned[2:]
    if len(cleaned) in (4, 8) and all(c in "0123456789abcdef" for c in cleaned):
        return normalize_uuid(int(cleaned, 16))
    return cleaned


def _parse_company(text: str) -> tuple[int | None, str]:
    cleaned = text.strip().lower()
    number: int | None = None
    try:
        number = int(cleaned, 16) if cleaned.startswith("0x") else int(cleaned)
    except ValueError:
        number = None
    return number, cleaned


@dataclass(frozen=True, slots=True)
class ScanFilter:
    text: str = ""  # name or address, case-insensitive substring
    uuid: str = ""  # a service UUID (16, 32 or 128-bit), or part of one
    company: str = ""  # a company id (76, 0x004C) or part of its name ("apple")
    min_rssi: int = -127

    @classmethod
    def parse(cls, text: str, uuid: str, company: str, min_rssi: str) -> ScanFilter:
        floor = -127
        if min_rssi.strip():
            try:
                floor = int(min_rssi.strip())
            except ValueError:
                raise FilterError(
                    f"minimum RSSI must be a whole number of dBm such as -70, not {min_rssi!r}"
                ) from None
            if not -127 <= floor <= 20:
                raise FilterError(f"minimum RSSI must be between -127 and 20 dBm, not {floor}")
        return cls(text.strip().lower(), _uuid_needle(uuid) if uuid.strip() else "",
                   company.strip(), floor)

    @property
    def active(self) -> bool:
        return bool(self.text or self.uuid or self.company or self.min_rssi > -127)

    def matches(self, row: ScanRow) -> bool:
        if self.min_rssi > -127 and (row.rssi is None or row.rssi < self.min_rssi):
            return False
        if self.text:
            name = (row.name or "").lower()
            if self.text not in name and self.text not in row.address.lower():
                return False
        if self.uuid and not any(self.uuid in uuid for uuid in row.service_uuids):
            return False
        if self.company:
            number, needle = _parse_company(self.company)
            ids = row.company_ids
            if number is not None:
                if number not in ids:
                    return False
            elif not any(needle in (company_name(cid) or "").lower() for cid in ids) and (
                needle not in row.kind.lower()
            ):
                return False
        return True


# -- sort ---------------------------------------------------------------------------------

SortKey = Callable[[ScanRow], Any]

SORTS: dict[str, tuple[str, SortKey, bool]] = {
    # name -> (label, key, reverse)
    "rssi": ("RSSI", lambda r: -999 if r.rssi is None else r.rssi, True),
    "name": ("name", lambda r: ((r.name or "\uffff").lower(), r.address), False),
    "address": ("address", lambda r: r.address, False),
    "last_seen": ("last seen", lambda r: r.last_seen, True),
    "first_seen": ("first seen", lambda r: r.first_seen, False),
}


def sorted_rows(rows: Sequence[ScanRow], sort: str) -> list[ScanRow]:
    _label, key, reverse = SORTS.get(sort, SORTS["rssi"])
    # The address breaks ties so the order is stable from one refresh to the next.
    return sorted(sorted(rows, key=lambda r: r.address), key=key, reverse=reverse)


def age_text(seconds: float) -> str:
    """How long ago, coarse on purpose: the cell changes at most once a second."""
    if seconds < 1.5:
        return "now"
    if seconds < 60:
        return f"{int(seconds)}s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)}m ago"
    return f"{int(seconds // 3600)}h ago"
