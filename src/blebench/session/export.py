"""Stream samples as records: the JSON object of one notification (the `notify --json` line,
the JSON Lines export), and CSV rows of the same records. The shape is public (README
"JSON output"): never renamed.

A reader of the store (blebench.session.streams): `record`, `export_jsonl` and `export_csv`
take the store and decode through it, so a stream's own decoder (a keyboard's keys,
blebench.session.hid) shows in every file as it does on screen.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from blebench.session.filters import SampleFilter
    from blebench.session.streams import StreamSample, StreamStore

__all__ = [
    "CSV_COLUMNS",
    "DECODE_ERROR_COLUMN",
    "FIELD_PREFIX",
    "CsvSampleWriter",
    "export_csv",
    "export_jsonl",
    "field_columns",
    "flat_fields",
    "iter_jsonl",
    "record",
    "records_to_csv",
    "sample_record",
]


def record(store: StreamStore, sample: StreamSample) -> dict[str, Any]:
    """The JSON object of one sample of `store`, decoded by the store."""
    stream = store.get(sample.stream_id)
    return sample_record(sample, store.decoded(sample), stream.name if stream else None)


def export_jsonl(
    store: StreamStore,
    out: IO[str],
    *,
    stream_ids: Iterable[int] | None = None,
    sample_filter: SampleFilter | None = None,
) -> int:
    """Write every stored sample as JSON Lines; returns how many were written."""
    batch = store.pull(None, stream_ids=stream_ids, sample_filter=sample_filter)
    for sample in batch.samples:
        out.write(json.dumps(record(store, sample), separators=(",", ":")) + "\n")
    return len(batch.samples)


def export_csv(
    store: StreamStore,
    out: IO[str],
    *,
    stream_ids: Iterable[int] | None = None,
    sample_filter: SampleFilter | None = None,
) -> int:
    """Write every stored sample as CSV (header first); returns how many rows. The header
    has a `decoded.<field>` column for every field any of the samples decoded to."""
    batch = store.pull(None, stream_ids=stream_ids, sample_filter=sample_filter)
    records = [record(store, sample) for sample in batch.samples]
    writer = CsvSampleWriter(out, fields=field_columns(records))
    for one in records:
        writer.write(one)
    writer.finish()
    return len(records)


CSV_COLUMNS = (
    "t_wall_ms",
    "t_mono_ms",
    "address",
    "handle",
    "uuid",
    "name",
    "seq",
    "hex",
    "decoded",
)


def sample_record(
    sample: StreamSample, decoded: Mapping[str, Any] | None, name: str | None = None
) -> dict[str, Any]:
    """The public JSON shape of one notification (documented in README)."""
    return {
        "t_wall_ms": sample.t_wall_ms,
        "t_mono_ms": sample.t_mono_ms,
        "address": sample.address,
        "handle": sample.handle,
        "uuid": sample.uuid,
        "name": name,
        "seq": sample.seq,
        "hex": sample.data.hex(),
        "decoded": _jsonable(decoded) if decoded is not None else None,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


FIELD_PREFIX = "decoded."
# Always a column (a malformed frame is marked in every row that has one, also when
# `notify --csv` took its columns from a good first frame).
DECODE_ERROR_COLUMN = "decoded.error"


def flat_fields(decoded: Mapping[str, Any] | None) -> dict[str, Any]:
    """The decoded fields of one record as CSV cells: `decoded.<name>`, a nested field as
    `decoded.<name>.<part>`, a list as its JSON text (the decoder's `error` apart)."""
    cells: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(f"{prefix}.{key}", inner)
        elif isinstance(value, (list, tuple)):
            cells[prefix] = json.dumps(value, separators=(",", ":"))
        else:
            cells[prefix] = value

    if isinstance(decoded, Mapping):
        for key, value in decoded.items():
            if key != "error":
                walk(f"{FIELD_PREFIX}{key}", value)
    return cells


def _nested(decoded: Mapping[str, Any], column: str) -> Any:
    """A `decoded.<a>.<b>` column's value when it is a whole nested field (as JSON)."""
    value: Any = decoded
    for part in column.removeprefix(FIELD_PREFIX).split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    if isinstance(value, (Mapping, list, tuple)):
        return json.dumps(value, separators=(",", ":"))
    return value


def field_columns(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """The `decoded.<field>` columns of `records`, in the order they first appear."""
    seen: dict[str, None] = {}
    for one in records:
        for name in flat_fields(one.get("decoded")):
            seen.setdefault(name, None)
    return list(seen)


class CsvSampleWriter:
    """CSV rows of sample records: the record's columns (`decoded` as a compact JSON
    string), the decoder's error, then one column per decoded field.

    `fields`: the field columns; None takes the first record's (a stream written as it
    comes, `notify --csv`), then those of `known` (the decoders' field names, so a field
    the first frame lacked still has its column); any other field that shows later is in
    the JSON column only. A column naming a nested field holds its JSON."""

    def __init__(
        self,
        out: IO[str],
        *,
        header: bool = True,
        fields: Iterable[str] | None = None,
        known: Iterable[str] = (),
    ) -> None:
        self._writer = csv.writer(out, lineterminator="\n")
        self._header = header
        self._known = [f"{FIELD_PREFIX}{name}" for name in sorted(known) if name != "error"]
        self._fields: list[str] | None = list(fields) if fields is not None else None
        if self._fields is not None:
            self._write_header()

    def _write_header(self) -> None:
        if self._header:
            self._writer.writerow([*CSV_COLUMNS, DECODE_ERROR_COLUMN, *(self._fields or ())])
            self._header = False

    def write(self, record: Mapping[str, Any]) -> None:
        decoded = record.get("decoded")
        cells = flat_fields(decoded)
        if self._fields is None:
            self._fields = list(cells)
            for name in self._known:
                if name not in cells and not any(c.startswith(name + ".") for c in cells):
                    self._fields.append(name)
            self._write_header()
        row = []
        for col in CSV_COLUMNS:
            value = record.get(col)
            if col == "decoded":
                value = "" if value is None else json.dumps(value, separators=(",", ":"))
            row.append("" if value is None else value)
        error = decoded.get("error") if isinstance(decoded, Mapping) else None
        row.append("" if error is None else error)
        for name in self._fields:
            value = cells.get(name)
            if value is None and isinstance(decoded, Mapping):
                value = _nested(decoded, name)
            row.append("" if value is None else value)
        self._writer.writerow(row)

    def finish(self) -> None:
        """The header, if no record came to give it its field columns."""
        if self._fields is None:
            self._fields = []
            self._write_header()


def records_to_csv(records: Iterable[Mapping[str, Any]]) -> str:
    listed = list(records)
    buf = io.StringIO()
    writer = CsvSampleWriter(buf, fields=field_columns(listed))
    for one in listed:
        writer.write(one)
    writer.finish()
    return buf.getvalue()


def iter_jsonl(text: str) -> Iterator[dict[str, Any]]:
    """Parse JSON Lines back (for tests and tools)."""
    for line in text.splitlines():
        if line.strip():
            yield json.loads(line)
