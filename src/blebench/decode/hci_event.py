"""Advertising data out of an HCI LE Advertising Report event (Core spec Vol 4 Part E
7.7.65.2, subevent 0x02) or LE Extended Advertising Report event (7.7.65.13, subevent
0x0D), as people paste them from btmon, hcidump or a btsnoop log: `04 3e LL ...` with the
H4 packet indicator, or `3e LL ...` without it.

Reports are read one after the other (event type, address type, address, ..., data,
RSSI for each), which is how controllers send them and how BlueZ and Bumble read them;
with a single report (the usual case) this is also the spec's array layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from blebench.decode.ad_types import format_address
from blebench.decode.address import classify_address

H4_EVENT = 0x04
LE_META_EVENT = 0x3E
LE_ADVERTISING_REPORT = 0x02
LE_EXTENDED_ADVERTISING_REPORT = 0x0D

# Our words for Bumble's enums (public JSON values: never renamed); the numbers, the
# legacy event type names and the PHY names are Bumble's (bumble.hci), read on first use
# because importing bumble.hci takes about 0.2 s that a payload-only `decode` never pays.
_ADDRESS_WORDS = {
    "PUBLIC_DEVICE": "public",
    "RANDOM_DEVICE": "random",
    "PUBLIC_IDENTITY": "public identity",
    "RANDOM_IDENTITY": "random static identity",
    "ANONYMOUS": "anonymous",
}
_PROPERTY_WORDS = {
    "CONNECTABLE_ADVERTISING": "connectable",
    "SCANNABLE_ADVERTISING": "scannable",
    "DIRECTED_ADVERTISING": "directed",
    "SCAN_RESPONSE": "scan response",
    "LEGACY_ADVERTISING_PDU_USED": "legacy",
}
_DATA_STATUS_WORDS = {
    "DATA_COMPLETE": "complete",
    "DATA_INCOMPLETE_MORE_TO_COME": "incomplete, more to come",
    "DATA_INCOMPLETE_TRUNCATED_NO_MORE_TO_COME": "incomplete, truncated",
}


@dataclass(frozen=True, slots=True)
class _Tables:
    legacy_event_types: dict[int, str]
    address_types: dict[int, str]
    phys: dict[int, str | None]
    properties: tuple[tuple[int, str], ...]
    data_status: dict[int, str]
    rssi_not_available: int
    tx_power_not_available: int


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    from bumble import hci

    legacy = hci.HCI_LE_Advertising_Report_Event
    extended = hci.HCI_LE_Extended_Advertising_Report_Event
    return _Tables(
        legacy_event_types={int(m): m.name for m in legacy.EventType},
        address_types={int(hci.AddressType[k]): v for k, v in _ADDRESS_WORDS.items()},
        phys={0x00: None, **{int(phy): name for phy, name in hci.HCI_LE_PHY_NAMES.items()}},
        properties=tuple((int(extended.EventType[k]), v) for k, v in _PROPERTY_WORDS.items()),
        data_status={int(getattr(extended, k)): v for k, v in _DATA_STATUS_WORDS.items()},
        rssi_not_available=extended.RSSI_NOT_AVAILABLE,
        tx_power_not_available=extended.TX_POWER_INFORMATION_NOT_AVAILABLE,
    )


@dataclass(frozen=True, slots=True)
class AdvertisingReport:
    """One report: `data` is the advertising (or scan response) data; `event` the other
    parameters, JSON-ready."""

    data: bytes
    event: dict[str, Any]
    address: bytes  # 6 bytes, most significant first (as written)


class NotAnAdvertisingReport(ValueError):
    """The bytes are not an LE (Extended) Advertising Report event."""


def looks_like_event(raw: bytes) -> bool:
    """True when `raw` starts like an LE meta event whose length byte matches the rest."""
    if len(raw) >= 3 and raw[0] == H4_EVENT and raw[1] == LE_META_EVENT:
        return raw[2] == len(raw) - 3
    if len(raw) >= 2 and raw[0] == LE_META_EVENT:
        return raw[1] == len(raw) - 2
    return False


def _address_fields(
    tables: _Tables, address_type: int, le_address: bytes
) -> tuple[dict[str, Any], bytes]:
    text = format_address(le_address)
    fields: dict[str, Any] = {
        "address": text,
        "address_type": tables.address_types.get(address_type, f"reserved (0x{address_type:02x})"),
    }
    if address_type in (0x00, 0x01, 0x02, 0x03):
        fields["address_kind"] = classify_address(text, address_type in (0x01, 0x03))
    return fields, le_address[::-1]


def _int8(v: int) -> int:
    return v - 256 if v > 127 else v


def parse_advertising_event(raw: bytes) -> list[AdvertisingReport]:
    """The reports of an LE (Extended) Advertising Report event; raises
    NotAnAdvertisingReport with the reason for anything else or anything truncated."""
    if not looks_like_event(raw):
        raise NotAnAdvertisingReport(
            "not an LE meta event (04 3e LL or 3e LL with a matching length)"
        )
    params = raw[3:] if raw[0] == H4_EVENT else raw[2:]
    if not params:
        raise NotAnAdvertisingReport("LE meta event without a subevent code")
    sub = params[0]
    if sub not in (LE_ADVERTISING_REPORT, LE_EXTENDED_ADVERTISING_REPORT):
        raise NotAnAdvertisingReport(f"LE meta subevent 0x{sub:02x} carries no advertising data")
    if len(params) < 2:
        raise NotAnAdvertisingReport("advertising report event without Num_Reports")
    count = params[1]
    i = 2
    tables = _tables()
    no_rssi = tables.rssi_not_available
    reports: list[AdvertisingReport] = []
    extended = sub == LE_EXTENDED_ADVERTISING_REPORT
    fixed = 24 if extended else 9  # bytes before the data of one report, data length included
    for index in range(count):
        if i + fixed > len(params):
            raise NotAnAdvertisingReport(f"report {index} is truncated")
        if extended:
            event_type = params[i] | params[i + 1] << 8
            address_fields, address = _address_fields(tables, params[i + 2], params[i + 3 : i + 9])
            data_length = params[i + 23]
            start = i + 24
            stop = start + data_length
            if stop > len(params):
                raise NotAnAdvertisingReport(
                    f"report {index}: data length {data_length} runs past the event"
                )
            tx = params[i + 12]
            rssi = params[i + 13]
            event: dict[str, Any] = {
                "subevent": "LE Extended Advertising Report",
                "event_type": event_type,
                "event_properties": [name for flag, name in tables.properties if event_type & flag],
                "data_status": tables.data_status.get(event_type >> 5 & 3, "reserved"),
                **address_fields,
                "primary_phy": tables.phys.get(params[i + 9], f"0x{params[i + 9]:02x}"),
                "secondary_phy": tables.phys.get(params[i + 10], f"0x{params[i + 10]:02x}"),
                "sid": params[i + 11],
                "tx_power": None if tx == tables.tx_power_not_available else _int8(tx),
                "rssi": None if rssi == no_rssi else _int8(rssi),
                "periodic_advertising_interval": params[i + 14] | params[i + 15] << 8,
            }
            if event_type & 0x04:  # directed
                direct, _ = _address_fields(tables, params[i + 16], params[i + 17 : i + 23])
                event["direct_address"] = direct["address"]
                event["direct_address_type"] = direct["address_type"]
            i = stop
        else:
            event_type = params[i]
            address_fields, address = _address_fields(tables, params[i + 1], params[i + 2 : i + 8])
            data_length = params[i + 8]
            start = i + 9
            stop = start + data_length
            if stop + 1 > len(params):
                raise NotAnAdvertisingReport(
                    f"report {index}: data length {data_length} runs past the event"
                )
            rssi = params[stop]
            event = {
                "subevent": "LE Advertising Report",
                "event_type": event_type,
                "event_type_name": tables.legacy_event_types.get(
                    event_type, f"reserved (0x{event_type:02x})"
                ),
                **address_fields,
                "rssi": None if rssi == no_rssi else _int8(rssi),
            }
            i = stop + 1
        reports.append(AdvertisingReport(params[start:stop], event, address))
    if not reports:
        raise NotAnAdvertisingReport("advertising report event with no reports")
    return reports
