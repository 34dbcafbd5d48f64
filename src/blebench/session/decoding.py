"""Values as plain data, through the decoding core (blebench.decode): what a read shows, what a
stream's store decodes, a HID Report Map with its usages, and JSON-able conversion.

Pure (no connection, no bleak): the GATT operations (blebench.session.gatt), the stream store
and any face use the same functions, so a value reads the same everywhere.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from blebench.decode.names import normalize_uuid
from blebench.session.models import ReadResult

REPORT_MAP_UUID = normalize_uuid("2a4b")


def decode_fields(uuid: str, data: bytes, presentation: bytes | None = None) -> Any:
    """The decoding core's view of a value (blebench.decode.gatt_values) as plain data:
    {"kind", "summary", "fields", "error"}. The Characteristic Presentation Format
    (0x2904) bytes, when given, type values the core has no decoder for."""
    from blebench.decode.gatt_values import decode_value, parse_presentation_format

    cpf = parse_presentation_format(presentation) if presentation else None
    try:
        return plain(decode_value(uuid, data, cpf))
    except Exception:  # noqa: BLE001 - the decoding core is total; a bug must not kill a read
        return None


def stream_decoder(uuid: str, data: bytes) -> Mapping[str, Any] | None:
    """The stream store's decoder: the decoded fields as one flat mapping
    (`heart_rate_bpm`, `sensor_contact`, ...), None when the value is not understood.

    A malformed value (truncated, an odd trailing byte, a flag announcing what is not
    there) keeps what could be decoded and says what is wrong in `error`, so every reader
    (the Streams log, `notify`, the exports) marks it."""
    from blebench.decode.gatt_values import decode_value

    try:
        decoded = decode_value(uuid, data)
    except Exception:  # noqa: BLE001 - see decode_fields
        return None
    if decoded.kind == "generic" or not (decoded.fields or decoded.error):
        return None
    fields: dict[str, Any] = plain(decoded.fields)
    if decoded.error:
        # First: a log line cut to its column still shows that the frame is broken.
        fields = {"error": decoded.error, **fields}
    return fields


def plain(value: Any) -> Any:
    """Dataclasses, mappings and sequences as JSON-able plain data."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return plain(to_json())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    return str(value)


def decode_report_map(data: bytes) -> Any:
    """A HID Report Map: the core's summary plus every report with its usages
    (blebench.decode.hid)."""
    from blebench.decode import hid

    out = decode_fields(REPORT_MAP_UUID, data)
    try:
        full = hid.parse_report_map(data).to_json()
    except Exception:  # noqa: BLE001 - see decode_fields
        return out
    if isinstance(out, dict):
        out["report_map"] = {k: full[k] for k in ("applications", "reports", "errors")}
    return out


def lost_during(results: list[ReadResult]) -> ReadResult | None:
    """The result on which the link was lost, if a `keep_partial` walk stopped early."""
    if results and results[-1].error and results[-1].error.get("error") == "connection_lost":
        return results[-1]
    return None
