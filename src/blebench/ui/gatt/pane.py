"""The GATT pane: the connected device's services, characteristics and descriptors; read,
write with a typed editor, subscribe (the stream then shows in the Streams pane); decoded
values, the HID report map as reports and usages, keyboard input reports as keys.

Every operation runs in a worker and ends in the value box: the value, or what went wrong
in words with the next step (never a traceback).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Static, Tree

from blebench.decode import hid
from blebench.decode.names import normalize_uuid, short_uuid
from blebench.session.gatt import GattNode, ReadResult, decode_fields
from blebench.ui.connect import Failure
from blebench.ui.gatt.editor import ValueEditor
from blebench.ui.gatt.keys import KeyboardView, has_keyboard_input
from blebench.ui.gatt.tree import GattTreeView, node_label
from blebench.ui.gatt.values import value_view
from blebench.ui.safe_text import safe_text

if TYPE_CHECKING:
    from blebench.session.connections import DeviceConnection
    from blebench.session.manager import SessionManager

REPORT_UUID = normalize_uuid("2a4d")
REPORT_MAP_UUID = normalize_uuid("2a4b")
REPORT_REFERENCE_UUID = normalize_uuid("2908")
BOOT_KEYBOARD_INPUT_UUID = normalize_uuid("2a22")
REPORT_TYPE_INPUT = 1

GENERIC_NEXT_STEP = (
    "check that the device is advertising and in range (it shows in the Scan pane), then retry"
)


# ATT errors that pairing cures: Insufficient Authentication, Authorization, Encryption Key
# Size, Encryption.
NEEDS_PAIRING = {0x05, 0x08, 0x0C, 0x0F}
PAIR_HERE = "here: 4 shows the Security pane, where P pairs with this device"


def explain_failure(exc: BaseException) -> Failure:
    """A session error in words; anything else still gets words and a next step."""
    next_step = getattr(exc, "next_step", None)
    what = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError):
        what = "the device did not answer in time"
    step = str(next_step) if next_step else GENERIC_NEXT_STEP
    explanation = getattr(exc, "explanation", None)
    if getattr(explanation, "domain", None) == "att" and getattr(explanation, "code", None) in NEEDS_PAIRING:
        step = f"{step.rstrip('.')} ({PAIR_HERE})."
    return Failure(what, step)


def lost_reason(result: ReadResult) -> str:
    """Why the link went, from the lost read's error: the HCI reason when there is one."""
    code = (result.error or {}).get("code")
    if isinstance(code, dict) and code.get("name"):
        return f" ({str(code.get('domain', '')).upper()} {code.get('hex', '')} {code['name']})"
    return ""


def _error_json(exc: BaseException) -> dict[str, Any]:
    failure = explain_failure(exc)
    return {"message": failure.what, "next_step": failure.next_step}


class KeyboardStream(Message):
    """A keyboard input report's stream started: its log lines can show keys."""

    def __init__(self, stream_id: int, decode: Callable[[bytes], Mapping[str, Any]]) -> None:
        super().__init__()
        self.stream_id = stream_id
        self.decode = decode


class GattPane(Horizontal):
    BINDINGS = [
        Binding("r", "read", "Read"),
        Binding("w", "write", "Write"),
        Binding("n", "subscribe", "Subscribe"),
        Binding("d", "disconnect", "Disconnect"),
        Binding("ctrl+r", "read_all", "Read all", show=False),
    ]

    def __init__(self, session: SessionManager, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.session = session
        self.connection: DeviceConnection | None = None
        self.device_name: str | None = None
        self.selected: GattNode | None = None
        self.values: dict[int, tuple[bytes | None, Any, dict[str, Any] | None]] = {}
        # HID: the report map once read, each Report's (id, type) from its Report
        # Reference descriptor, and each subscribed keyboard input report's keys and text.
        self.report_map: hid.ReportMap | None = None
        self.report_refs: dict[int, tuple[int, int]] = {}
        self.keyboards: dict[int, KeyboardView] = {}
        self._live_seen: dict[int, int] = {}
        self._lost_shown = False  # the header says the link is gone

    def compose(self) -> ComposeResult:
        with Vertical(id="gatt-left"):
            yield Static(Text("Not connected. Pick a device in the Scan pane and press Enter.",
                              style="dim"), id="gatt-device")
            yield GattTreeView(id="gatt-tree")
        with Vertical(id="gatt-right"):
            yield Static(id="gatt-node")
            with Horizontal(id="gatt-actions"):
                yield Button("Read", id="gatt-read", variant="primary")
                yield Button("Write", id="gatt-write")
                yield Button("Subscribe", id="gatt-subscribe")
                yield Button("Disconnect", id="gatt-disconnect", variant="error")
            yield ValueEditor()
            keys = Static(id="gatt-keys")
            keys.border_title = "Keyboard"
            yield keys
            with VerticalScroll(id="gatt-value") as box:
                box.border_title = "Value"
                yield Static(id="gatt-value-body")

    def on_mount(self) -> None:
        self._show_node(None)
        self.set_interval(0.1, self._pull_live)

    # -- HID ------------------------------------------------------------------------------

    async def _report_reference(
        self, connection: DeviceConnection, node: GattNode
    ) -> tuple[int, int] | None:
        """(report id, report type) of a HID Report characteristic, read once."""
        if node.handle in self.report_refs:
            return self.report_refs[node.handle]
        from blebench.session import gatt

        ref = next((d for d in node.children if d.uuid == REPORT_REFERENCE_UUID), None)
        if ref is None:
            return None
        data = await gatt.read_raw(connection, ref)
        if len(data) < 2:
            return None
        self.report_refs[node.handle] = (data[0], data[1])
        return self.report_refs[node.handle]

    def _hid_decoded(self, node: GattNode, data: bytes, decoded: Any) -> Any:
        """An input report of a keyboard as keys (and the text typed so far)."""
        view = self.keyboards.get(node.handle)
        ref = self.report_refs.get(node.handle)
        if view is not None:
            report_map, report_id = view.accumulator.report_map, view.report_id
        elif self.report_map is not None and ref is not None and ref[1] == REPORT_TYPE_INPUT:
            report_map, report_id = self.report_map, ref[0]
        else:
            return decoded
        out = hid.decode_input_report(report_map, report_id, data).to_json()
        if view is not None:
            out["text"] = view.text
        return out

    async def _ensure_report_map(self, connection: DeviceConnection, node: GattNode) -> None:
        """Read the Report Map of `node`'s HID service, once, when nobody has yet."""
        if self.report_map is not None or connection.tree is None:
            return
        from blebench.session import gatt

        service = connection.tree.node(node.parent_handle) if node.parent_handle else None
        siblings = service.children if service is not None else connection.tree.characteristics()
        report_map = next((c for c in siblings if c.uuid == REPORT_MAP_UUID), None)
        if report_map is None:
            return
        self.report_map = hid.parse_report_map(await gatt.read_raw(connection, report_map))

    async def _keyboard_view(
        self, connection: DeviceConnection, node: GattNode
    ) -> KeyboardView | None:
        """A keys view for a keyboard input report, None for anything else."""
        if node.uuid == BOOT_KEYBOARD_INPUT_UUID:
            return KeyboardView(node.handle, node.label)  # boot protocol: a fixed layout
        if node.uuid != REPORT_UUID:
            return None
        ref = await self._report_reference(connection, node)
        if ref is None or ref[1] != REPORT_TYPE_INPUT:
            return None
        await self._ensure_report_map(connection, node)
        if self.report_map is None or not has_keyboard_input(self.report_map, ref[0]):
            return None
        return KeyboardView(node.handle, node.label, self.report_map, ref[0])

    def _pull_keys(self, connection: DeviceConnection) -> None:
        """Every new report of each subscribed keyboard, so no key-down is missed."""
        changed = False
        for handle, view in self.keyboards.items():
            stream = connection.streams.get(handle)
            if stream is None:
                continue
            samples, _missed = stream.raw_since(view.seen)
            if samples:
                view.seen = samples[-1][0]
                changed |= view.feed(data for _n, _mono, _wall, data in samples)
        if changed:
            self._show_keys()

    def _show_keys(self) -> None:
        keys = self.query_one("#gatt-keys", Static)
        lines = [view.keys_line() for view in self.keyboards.values()]
        keys.display = bool(lines)
        keys.update(Text("\n").join(lines))

    # -- live values of subscribed characteristics ----------------------------------------

    def _pull_live(self) -> None:
        """The newest sample of the selected characteristic, when subscribed (10 Hz)."""
        connection, node = self.connection, self.selected
        if connection is not None and not connection.is_connected and not self._lost_shown:
            self._show_lost(connection)
        if connection is not None and self.keyboards:
            self._pull_keys(connection)
        if connection is None or node is None:
            return
        if node.kind == "characteristic":
            self._label_subscribe(node)
        stream = connection.streams.get(node.handle)
        if stream is None:
            return
        last = self._live_seen.get(node.handle, 0)
        samples, _missed = stream.raw_since(last)
        if not samples:
            return
        self._live_seen[node.handle] = samples[-1][0]
        data = samples[-1][3]
        decoded = self._hid_decoded(node, data, decode_fields(node.uuid, data))
        self.values[node.handle] = (data, decoded, None)
        self._show_node(node)

    # -- connection ---------------------------------------------------------------------

    async def connect(self, address: str, progress: Callable[[str], None]) -> None:
        """Run by the connect dialog: connect, then walk the database."""
        progress("connecting")
        connection = await self.session.connections.connect(address)
        progress("discovering services")
        from blebench.session import gatt

        tree = await gatt.discover(connection)
        self.connection = connection
        record = self.session.registry.get(address)
        self.device_name = record.name if record is not None else None
        self.values.clear()
        self.report_map = None
        self.report_refs.clear()
        self.keyboards.clear()
        self._show_keys()
        self._live_seen.clear()
        self.query_one(GattTreeView).show_tree(self._device_label(), tree)
        # The previous device's selection and value must not linger beside the new tree.
        self._show_node(None)

    def _device_label(self) -> Text:
        connection = self.connection
        if connection is None:
            return Text("not connected", style="dim")
        label = safe_text(self.device_name, max_len=40, style="bold") if self.device_name else Text(
            "(no name)", style="dim"
        )
        label.append("  ")
        label.append_text(safe_text(connection.address, max_len=40))
        return label

    def explain_failure(self, exc: BaseException) -> Failure:
        return explain_failure(exc)

    def _show_lost(self, connection: DeviceConnection) -> None:
        """The link dropped: the tree and the values read stay, the header says so."""
        self._lost_shown = True
        text = Text("✗ link lost: ", style="bold red")
        text.append_text(self._device_label())
        self.query_one("#gatt-device", Static).update(text)

    def show_connection(self, address: str) -> None:
        connection = self.connection
        if connection is None:
            return
        self._lost_shown = False
        text = Text("⇄ ", style="bold")
        text.append_text(self._device_label())
        text.append(f"   MTU {connection.mtu}", style="dim")
        self.query_one("#gatt-device", Static).update(text)

    def focus_tree(self) -> None:
        self.query_one(GattTreeView).focus()

    def action_disconnect(self) -> None:
        if self.connection is None:
            self.notify("Not connected.", severity="warning")
            return
        self._disconnect()

    @on(Button.Pressed, "#gatt-disconnect")
    def _disconnect_pressed(self) -> None:
        self.action_disconnect()

    @work(exclusive=True, group="gatt-connection", exit_on_error=False)
    async def _disconnect(self) -> None:
        connection = self.connection
        if connection is None:
            return
        try:
            await self.session.connections.disconnect(connection.address)
        except Exception as exc:  # noqa: BLE001 - told to the user, never a traceback
            self._failed("Disconnect", exc)
        self.connection = None
        self.values.clear()
        self.keyboards.clear()
        self._show_keys()
        tree = self.query_one(GattTreeView)
        tree.clear()
        tree.root.set_label(Text("not connected", style="dim"))
        self.query_one("#gatt-device", Static).update(
            Text("Disconnected. Pick a device in the Scan pane and press Enter.", style="dim")
        )
        self._show_node(None)

    # -- selection ----------------------------------------------------------------------

    @on(Tree.NodeHighlighted, "#gatt-tree")
    def _node_highlighted(self, event: Tree.NodeHighlighted[GattNode]) -> None:
        self._show_node(event.node.data)

    def _show_node(self, node: GattNode | None) -> None:
        self.selected = node
        info = self.query_one("#gatt-node", Static)
        body = self.query_one("#gatt-value-body", Static)
        read = self.query_one("#gatt-read", Button)
        write = self.query_one("#gatt-write", Button)
        subscribe = self.query_one("#gatt-subscribe", Button)
        self.query_one("#gatt-disconnect", Button).disabled = self.connection is None
        if node is None or node.kind == "service":
            for button in (read, write, subscribe):
                button.disabled = True
            info.update(node_label(node) if node is not None else Text(
                "Select a characteristic or a descriptor.", style="dim"))
            body.update("")
            return
        props = set(node.properties)
        is_descriptor = node.kind == "descriptor"
        read.disabled = not (is_descriptor or "read" in props)
        write.disabled = not (
            is_descriptor or "write" in props or "write-without-response" in props
        )
        subscribe.disabled = is_descriptor or not ({"notify", "indicate"} & props)
        self._label_subscribe(node)
        text = node_label(node)
        text.append(f"\n{node.uuid}", style="dim")
        if node.properties:
            text.append("\nproperties: " + ", ".join(node.properties), style="dim")
        if node.permissions:
            text.append("\nlearnt: " + ", ".join(node.permissions), style="yellow")
        info.update(text)
        data, decoded, error = self.values.get(node.handle, (None, None, None))
        body.update(value_view(data, decoded, error))

    def _subscribed(self, node: GattNode) -> bool:
        connection = self.connection
        stream = connection.streams.get(node.handle) if connection is not None else None
        return stream is not None and stream.active

    def _label_subscribe(self, node: GattNode | None) -> None:
        """The button says what pressing it does: Unsubscribe while subscribed."""
        button = self.query_one("#gatt-subscribe", Button)
        label = "Unsubscribe" if node is not None and self._subscribed(node) else "Subscribe"
        if str(button.label) != label:
            button.label = label

    # -- operations ---------------------------------------------------------------------

    def _need(self) -> tuple[DeviceConnection, GattNode] | None:
        if self.connection is None:
            self.notify("Connect to a device first (Scan pane, Enter).", severity="warning")
            return None
        if self.selected is None or self.selected.kind == "service":
            self.notify("Select a characteristic or a descriptor first.", severity="warning")
            return None
        return self.connection, self.selected

    def _failed(self, what: str, exc: BaseException) -> None:
        failure = explain_failure(exc)
        self.notify(
            f"{what} failed: {failure.what}\nNext: {failure.next_step}",
            severity="error",
            timeout=8,
            markup=False,
        )

    def action_read(self) -> None:
        target = self._need()
        if target is not None:
            self._read(*target)

    @on(Button.Pressed, "#gatt-read")
    def _read_pressed(self) -> None:
        self.action_read()

    @work(group="gatt-op", exit_on_error=False)
    async def _read(self, connection: DeviceConnection, node: GattNode) -> None:
        from blebench.session import gatt

        try:
            result: ReadResult = await gatt.read(connection, node)
            decoded = result.decoded
            if result.data is not None and node.uuid == REPORT_MAP_UUID:
                self.report_map = hid.parse_report_map(result.data)
            elif result.data is not None and node.uuid == REPORT_UUID:
                await self._report_reference(connection, node)
                decoded = self._hid_decoded(node, result.data, decoded)
            self.values[node.handle] = (result.data, decoded, None)
        except Exception as exc:  # noqa: BLE001 - shown in words, never a traceback
            self.values[node.handle] = (None, None, _error_json(exc))
        self.query_one(GattTreeView).relabel(node)
        if self.selected is node:
            self._show_node(node)

    def action_write(self) -> None:
        target = self._need()
        if target is None:
            return
        editor = self.query_one(ValueEditor)
        try:
            data = editor.value()
        except ValueError as exc:
            self.notify(str(exc), title="Value not written", severity="error", markup=False)
            editor.query_one("#editor-value", Input).focus()
            return
        self._write(*target, data)

    @on(Button.Pressed, "#gatt-write")
    def _write_pressed(self) -> None:
        self.action_write()

    @on(Input.Submitted, "#editor-value")
    def _write_submitted(self) -> None:
        self.action_write()

    @work(group="gatt-op", exit_on_error=False)
    async def _write(self, connection: DeviceConnection, node: GattNode, data: bytes) -> None:
        from blebench.session import gatt

        response = node.kind == "descriptor" or "write" in node.properties
        try:
            await gatt.write(connection, node, data, response=response)
        except Exception as exc:  # noqa: BLE001 - shown in words
            self._failed("Write", exc)
            self.query_one(GattTreeView).relabel(node)
            return
        self.notify(
            f"Wrote {len(data)} byte{'s' if len(data) != 1 else ''} to {node.label}"
            + ("" if response else " (without response)"),
            markup=False,
        )

    def action_subscribe(self) -> None:
        target = self._need()
        if target is None:
            return
        node = target[1]
        if node.kind == "descriptor" or not ({"notify", "indicate"} & set(node.properties)):
            what = "a descriptor" if node.kind == "descriptor" else "not marked N or I"
            self.notify(
                f"{node.label} is {what}: it sends no notifications. "
                "Subscribe to a characteristic marked N (notify) or I (indicate).",
                severity="warning",
                markup=False,
            )
            return
        self._subscribe(*target)

    @on(Button.Pressed, "#gatt-subscribe")
    def _subscribe_pressed(self) -> None:
        self.action_subscribe()

    @work(group="gatt-op", exit_on_error=False)
    async def _subscribe(self, connection: DeviceConnection, node: GattNode) -> None:
        from blebench.session import gatt

        unsubscribing = self._subscribed(node)
        try:
            if unsubscribing:
                try:
                    await gatt.unsubscribe(connection, self.session.streams, node)
                finally:
                    self.keyboards.pop(node.handle, None)
                    self._show_keys()
                    self._label_subscribe(self.selected)
                self.notify(f"Unsubscribed from {node.label}", markup=False)
                return
            stream = await gatt.subscribe(connection, self.session.streams, node)
        except Exception as exc:  # noqa: BLE001 - shown in words
            self._failed("Unsubscribe" if unsubscribing else "Subscribe", exc)
            return
        self._label_subscribe(self.selected)
        keys = await self._start_keys(connection, node, stream.stream_id)
        self.notify(
            f"Subscribed to {node.label}: "
            + ("its keys show here and in the Streams pane (3)" if keys
               else "its values stream in the Streams pane (3)"),
            markup=False,
        )

    async def _start_keys(self, connection: DeviceConnection, node: GattNode, stream_id: int) -> bool:
        """For a keyboard input report: the keys view here, keys in the Streams log."""
        try:
            view = await self._keyboard_view(connection, node)
        except Exception as exc:  # noqa: BLE001 - the values still stream, as bytes
            self._failed("Reading the report map", exc)
            return False
        if view is None:
            return False
        # From the stream's first sample: the device may start typing at once.
        self.keyboards[node.handle] = view
        self._pull_keys(connection)
        self._show_keys()
        self.post_message(KeyboardStream(stream_id, view.decode))
        return True

    def action_read_all(self) -> None:
        if self.connection is None:
            self.notify("Connect to a device first (Scan pane, Enter).", severity="warning")
            return
        self._read_all(self.connection)

    @work(group="gatt-op", exclusive=True, exit_on_error=False)
    async def _read_all(self, connection: DeviceConnection) -> None:
        from blebench.session import gatt

        try:
            # A device that drops the link mid-walk keeps every value read before it.
            results = await gatt.read_all(connection, keep_partial=True)
        except Exception as exc:  # noqa: BLE001 - shown in words
            self._failed("Read all", exc)
            return
        tree = self.query_one(GattTreeView)
        for result in results:
            self.values[result.handle] = (result.data, result.decoded, result.error)
            if connection.tree is not None:
                node = connection.tree.node(result.handle)
                if node is not None:
                    tree.relabel(node)
        self._show_node(self.selected)
        lost = gatt.lost_during(results)
        done = results[:-1] if lost is not None else results
        failed = sum(1 for result in done if result.error is not None)
        read = f"{len(done)} value{'s' if len(done) != 1 else ''} read ({failed} refused)"
        if lost is None:
            self.notify(f"Read all: {read}", markup=False)
            return
        label = lost.name or short_uuid(lost.uuid)
        self.notify(
            f"The link was lost while reading {label} (handle 0x{lost.handle:04X})"
            f"{lost_reason(lost)}. {read} before it: kept, in the tree and the value box.\n"
            "Next: reconnect (Enter in the Scan pane) to read the rest.",
            title="Read all stopped",
            severity="error",
            timeout=12,
            markup=False,
        )
