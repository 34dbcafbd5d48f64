"""HID over GATT on one connection: the Report Reference of each Report, the Report Map, and
the keyboards among its input reports, whose reports are decoded as keys and accumulated as
typed text.

One `HidContext` per connection (`context(conn)`, made on first use, gone with the
connection). `attach(conn, store, stream)` after a subscribe: when the stream is a keyboard
input report (a HID Report whose Report Reference says input and whose map holds keyboard
usages, or the Boot Keyboard Input Report), it registers the stream's own decoder in the
store (`StreamStore.set_stream_decoder`), so every reader of the store shows keys: the
Streams log, the GATT pane, `blebench notify` and the CSV / JSON Lines exports.

No Textual here, and pure apart from the two reads a keyboard needs (Report Reference,
Report Map) through blebench.session.gatt.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from blebench.decode import hid
from blebench.decode.hid import shown_text  # re-exported: it is how decoded keys read
from blebench.decode.hid_usages import PAGE_KEYBOARD
from blebench.decode.names import normalize_uuid
from blebench.session import gatt
from blebench.session.streams import Stream, StreamCursor, StreamStore

if TYPE_CHECKING:
    from blebench.session.connections import DeviceConnection
    from blebench.session.models import GattNode

__all__ = [
    "BOOT_KEYBOARD_INPUT_UUID",
    "REPORT_MAP_UUID",
    "REPORT_REFERENCE_UUID",
    "REPORT_TYPE_INPUT",
    "REPORT_UUID",
    "HidContext",
    "Keyboard",
    "attach",
    "context",
    "has_keyboard_input",
    "shown_text",
]

REPORT_UUID = normalize_uuid("2a4d")
REPORT_MAP_UUID = normalize_uuid("2a4b")
REPORT_REFERENCE_UUID = normalize_uuid("2908")
BOOT_KEYBOARD_INPUT_UUID = normalize_uuid("2a22")
REPORT_TYPE_INPUT = 1


def has_keyboard_input(report_map: hid.ReportMap, report_id: int | None) -> bool:
    """Whether the map's input report `report_id` carries keyboard keys."""
    report = report_map.report("input", report_id)
    if report is None:
        return False
    return any(page == PAGE_KEYBOARD for f in report.fields for page, _a, _b in f.usage_spans)


@dataclass(slots=True)
class Keyboard:
    """What one keyboard input report has typed. `report_map` None: the boot protocol."""

    handle: int
    label: str
    stream_id: int
    report_map: hid.ReportMap | None = None
    report_id: int | None = None
    last_keys: tuple[str, ...] = ()
    reports: int = 0
    accumulator: hid.KeyboardTextAccumulator = field(init=False)
    cursor: StreamCursor = field(default_factory=StreamCursor)  # where `catch_up` is

    def __post_init__(self) -> None:
        self.accumulator = hid.KeyboardTextAccumulator(self.report_map, self.report_id)

    @property
    def text(self) -> str:
        """Everything typed so far (Backspace applied)."""
        return self.accumulator.text

    def decode(self, data: bytes) -> dict[str, Any]:
        """One report as stream fields: the keys held and what they type (no state: the
        same report always gives the same fields, so the store caches them)."""
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

    def catch_up(self, store: StreamStore) -> bool:
        """Feed every report the store got since the last call (from the stream's first),
        so no key-down is missed; True when any came."""
        batch = store.pull(self.cursor, stream_ids=[self.stream_id])
        self.cursor = batch.cursor
        return self.feed(sample.data for sample in batch.samples)


class HidContext:
    """The HID knowledge of one connection: Report References read, the Report Map once
    read, and the keyboards attached (by report handle)."""

    def __init__(self, conn: DeviceConnection) -> None:
        self._conn = weakref.ref(conn)
        self.report_map: hid.ReportMap | None = None
        self.report_refs: dict[int, tuple[int, int]] = {}
        self.keyboards: dict[int, Keyboard] = {}

    @property
    def connection(self) -> DeviceConnection:
        conn = self._conn()
        if conn is None:  # pragma: no cover - the context goes with its connection
            raise RuntimeError("the connection of this HID context is gone")
        return conn

    def reset(self) -> None:
        """Forget everything read and every keyboard (the streams keep their decoders)."""
        self.report_map = None
        self.report_refs.clear()
        self.keyboards.clear()

    def forget_report_map(self) -> None:
        """As if the Report Map had never been read (the next keyboard reads it again)."""
        self.report_map = None

    async def report_reference(self, node: GattNode) -> tuple[int, int] | None:
        """(report id, report type) of a HID Report characteristic, read once."""
        if node.handle in self.report_refs:
            return self.report_refs[node.handle]
        ref = next((d for d in node.children if d.uuid == REPORT_REFERENCE_UUID), None)
        if ref is None:
            return None
        data = await gatt.read_raw(self.connection, ref)
        if len(data) < 2:
            return None
        self.report_refs[node.handle] = (data[0], data[1])
        return self.report_refs[node.handle]

    def learn_report_map(self, data: bytes) -> None:
        """A Report Map someone read: kept for the reports decoded after it."""
        self.report_map = hid.parse_report_map(data)

    async def ensure_report_map(self, node: GattNode) -> hid.ReportMap | None:
        """The Report Map of `node`'s HID service, read once, when nobody has yet."""
        conn = self.connection
        if self.report_map is not None or conn.tree is None:
            return self.report_map
        service = conn.tree.node(node.parent_handle) if node.parent_handle else None
        siblings = service.children if service is not None else conn.tree.characteristics()
        report_map = next((c for c in siblings if c.uuid == REPORT_MAP_UUID), None)
        if report_map is None:
            return None
        self.learn_report_map(await gatt.read_raw(conn, report_map))
        return self.report_map

    async def note_read(self, node: GattNode, data: bytes, decoded: Any) -> Any:
        """A value read by hand: a Report Map is learnt, a Report is decoded as an input
        report when its Report Reference says input (else `decoded` as it was)."""
        if node.uuid == REPORT_MAP_UUID:
            self.learn_report_map(data)
        elif node.uuid == REPORT_UUID:
            await self.report_reference(node)
            return self.decoded(node, data, decoded)
        return decoded

    def decoded(self, node: GattNode, data: bytes, decoded: Any) -> Any:
        """An input report as its fields and keys (with the text typed so far when it is a
        keyboard's); anything else as `decoded`."""
        keyboard = self.keyboards.get(node.handle)
        ref = self.report_refs.get(node.handle)
        if keyboard is not None:
            report_map, report_id = keyboard.accumulator.report_map, keyboard.report_id
        elif self.report_map is not None and ref is not None and ref[1] == REPORT_TYPE_INPUT:
            report_map, report_id = self.report_map, ref[0]
        else:
            return decoded
        out = hid.decode_input_report(report_map, report_id, data).to_json()
        if keyboard is not None:
            out["text"] = keyboard.text
        return out

    async def keyboard_layout(
        self, node: GattNode
    ) -> tuple[hid.ReportMap | None, int | None] | None:
        """(report map, report id) when `node` is a keyboard input report (None, None for
        the boot protocol's fixed layout); None when it is not a keyboard's."""
        if node.uuid == BOOT_KEYBOARD_INPUT_UUID:
            return None, None
        if node.uuid != REPORT_UUID:
            return None
        ref = await self.report_reference(node)
        if ref is None or ref[1] != REPORT_TYPE_INPUT:
            return None
        report_map = await self.ensure_report_map(node)
        if report_map is None or not has_keyboard_input(report_map, ref[0]):
            return None
        return report_map, ref[0]

    async def attach(self, store: StreamStore, stream: Stream) -> Keyboard | None:
        """For a keyboard input report's stream: its keyboard, with the store decoding the
        stream as keys from now on (every sample stored so far included). None, and nothing
        changed, for any other stream. Raises the session's DeviceError when a read fails."""
        tree = self.connection.tree
        node = tree.node(stream.handle) if tree is not None else None
        if node is None:
            return None
        layout = await self.keyboard_layout(node)
        if layout is None:
            return None
        keyboard = Keyboard(node.handle, node.label, stream.stream_id, *layout)
        self.keyboards[node.handle] = keyboard
        store.set_stream_decoder(stream.stream_id, keyboard.decode)
        return keyboard

    def detach(self, handle: int) -> None:
        """The keyboard of `handle` unsubscribed: its keys line goes (the stream's samples
        still decode as keys)."""
        self.keyboards.pop(handle, None)

    def catch_up(self, store: StreamStore) -> bool:
        """Every attached keyboard fed what its stream got since; True when any report came."""
        changed = False
        for keyboard in self.keyboards.values():
            changed |= keyboard.catch_up(store)
        return changed


_CONTEXTS: dict[int, HidContext] = {}


def context(conn: DeviceConnection) -> HidContext:
    """The HID context of `conn`: the same object for every face, gone with the connection."""
    key = id(conn)
    found = _CONTEXTS.get(key)
    if found is None or found._conn() is not conn:  # noqa: SLF001 - this module's own
        found = _CONTEXTS[key] = HidContext(conn)
        weakref.finalize(conn, _CONTEXTS.pop, key, None)
    return found


async def attach(conn: DeviceConnection, store: StreamStore, stream: Stream) -> Keyboard | None:
    """`context(conn).attach(store, stream)`: call it after subscribing (see the module)."""
    return await context(conn).attach(store, stream)
