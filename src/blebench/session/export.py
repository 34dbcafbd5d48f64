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
    "CsvSampleWriter",
    "export_csv",
    "export_jsonl",
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
    """Write every stored sample as CSV (header first); returns how many rows."""
    batch = store.pull(None, stream_ids=stream_ids, sample_filter=sample_filter)
    writer = CsvSampleWriter(out)
    for sample in batch.samples:
        writer.write(record(store, sample))
    return len(batch.samples)


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


class CsvSampleWriter:
    """CSV rows of sample records; `decoded` becomes a compact JSON string."""

    def __init__(self, out: IO[str], *, header: bool = True) -> None:
        self._writer = csv.writer(out, lineterminator="\n")
        if header:
            self._writer.writerow(CSV_COLUMNS)

    def write(self, record: Mapping[str, Any]) -> None:
        row = []
        for col in CSV_COLUMNS:
            value = record.get(col)
            if col == "decoded":
                value = "" if value is None else json.dumps(value, separators=(",", ":"))
            row.append("" if value is None else value)
        self._writer.writerow(row)


def records_to_csv(records: Iterable[Mapping[str, Any]]) -> str:
    buf = io.StringIO()
    writer = CsvSampleWriter(buf)
    for record in records:
        writer.write(record)
    return buf.getvalue()


def iter_jsonl(text: str) -> Iterator[dict[str, Any]]:
    """Parse JSON Lines back (for tests and tools)."""
    for line in text.splitlines():
        if line.strip():
            yield json.loads(line)
