"""The GATT pane: the connected device's services, characteristics and descriptors; read,
write with a typed editor, subscribe (the stream then shows in the Streams pane); decoded
values, the HID report map as reports and usages, keyboard input reports as keys.

Every operation runs in a worker and ends in the value box: the value, or what went wrong
in words with the next step (never a traceback). The pane calls the session through its
`SessionApi` (by address and node); what HID-over-GATT means (report references, the
report map, keyboards) is the session's `HidContext` (blebench.session.hid): the pane draws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static, Tree

from blebench.decode.names import short_uuid
from blebench.session.decoding import decode_fields, lost_during
from blebench.session.errors import GattOperationError
from blebench.session.models import ConnectionInfo, GattNode, GattTree, ReadResult
from blebench.ui.connect import Failure
from blebench.ui.gatt.editor import ValueEditor
from blebench.ui.gatt.keys import keys_line
from blebench.ui.gatt.tree import GattTreeView, node_label
from blebench.ui.gatt.values import value_view
from blebench.ui.safe_text import safe_text

if TYPE_CHECKING:
    from blebench.session.api import SessionApi
    from blebench.session.hid import HidContext
    from blebench.session.streams import Stream, StreamCursor

DEFAULT_REFRESH_HZ = 10.0

GENERIC_NEXT_STEP = (
    "check that the device is advertising and in range (it shows in the Scan pane), then retry"
)

PAIR_HERE = "here: 4 shows the Security pane, where P pairs with this device"


def explain_failure(exc: BaseException) -> Failure:
    """A session error in words; anything else still gets words and a next step."""
    next_step = getattr(exc, "next_step", None)
    what = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError):
        what = "the device did not answer in time"
    step = str(next_step) if next_step else GENERIC_NEXT_STEP
    if isinstance(exc, GattOperationError) and exc.pairing_would_help:
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


class GattPane(Horizontal):
    BINDINGS = [
        Binding("r", "read", "Read"),
        Binding("w", "write", "Write"),
        Binding("n", "subscribe", "Subscribe"),
        Binding("d", "disconnect", "Disconnect"),
        Binding("ctrl+r", "read_all", "Read all", show=False),
    ]

    def __init__(
        self,
        session: SessionApi,
        *,
        refresh_hz: float = DEFAULT_REFRESH_HZ,
        id: str | None = None,  # noqa: A002 - Textual's parameter name
    ) -> None:
        super().__init__(id=id)
        self.session = session
        self.refresh_hz = refresh_hz
        # The connection shown (refreshed each tick) and its GATT tree.
        self.connection: ConnectionInfo | None = None
        self.gatt_tree: GattTree | None = None
        self.device_name: str | None = None
        self.selected: GattNode | None = None
        self.values: dict[int, tuple[bytes | None, Any, dict[str, Any] | None]] = {}
        # The connection's HID context (blebench.session.hid): report map, references,
        # the keyboards subscribed to and what they typed.
        self.hid: HidContext | None = None
        # Where the value box is in the streams (the store's reader API).
        self._live_cursor: StreamCursor | None = None
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
        self.set_interval(1.0 / self.refresh_hz, self._pull_live)

    # -- HID keyboards ----------------------------------------------------------------------

    def _show_keys(self) -> None:
        keys = self.query_one("#gatt-keys", Static)
        keyboards = self.hid.keyboards.values() if self.hid is not None else ()
        lines = [keys_line(keyboard) for keyboard in keyboards]
        keys.display = bool(lines)
        keys.update(Text("\n").join(lines))

    # -- live values of subscribed characteristics ----------------------------------------

    def _pull_live(self) -> None:
        """The newest sample of the selected characteristic, when subscribed, and every
        new report of each keyboard (the timer, at the settings' `refresh_hz`)."""
        if self.connection is not None:
            self.connection = self.session.connection(self.connection.address) or self.connection
        connection, node = self.connection, self.selected
        if connection is not None and not connection.is_connected and not self._lost_shown:
            self._show_lost()
        store = self.session.streams
        if self.hid is not None and self.hid.keyboards and self.hid.catch_up(store):
            self._show_keys()
        if connection is None or node is None:
            return
        if node.kind == "characteristic":
            self._label_subscribe(node)
        stream = store.find(connection.address, node.handle)
        if stream is None:
            return
        batch = self.session.pull_streams(self._live_cursor, stream_ids=[stream.stream_id], limit=1)
        self._live_cursor = batch.cursor
        if not batch.samples:
            return
        data = batch.samples[-1].data
        decoded = decode_fields(node.uuid, data)
        if self.hid is not None:
            decoded = self.hid.decoded(node, data, decoded)
        self.values[node.handle] = (data, decoded, None)
        self._show_node(node)

    # -- connection ---------------------------------------------------------------------

    async def connect(self, address: str, progress: Callable[[str], None]) -> None:
        """Run by the connect dialog: connect, then walk the database."""
        progress("connecting")
        connection = await self.session.connect(address)
        progress("discovering services")
        tree = await self.session.discover(connection.address)
        self.connection = connection
        self.gatt_tree = tree
        record = self.session.device(address)
        self.device_name = record.name if record is not None else None
        self.values.clear()
        self.hid = self.session.hid(connection.address)
        if self.hid is not None:
            self.hid.reset()  # a new link: its keyboards are subscribed to again
        self._show_keys()
        self._live_cursor = None
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

    def _show_lost(self) -> None:
        """The link dropped: the tree and the values read stay, the header says so."""
        self._lost_shown = True
        text = Text("✗ link lost: ", style="bold red")
        text.append_text(self._device_label())
        reason = self.connection.disconnect_reason if self.connection is not None else None
        if reason:  # e.g. "HCI 0x08 Connection Timeout": the peer went quiet (off, out of range)
            text.append(f" ({reason.get('hex')} {reason.get('name')})", style="red")
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
            await self.session.disconnect(connection.address)
        except Exception as exc:  # noqa: BLE001 - told to the user, never a traceback
            self._failed("Disconnect", exc)
        self.connection = None
        self.gatt_tree = None
        self.hid = None
        self.values.clear()
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
        if connection is None:
            return False
        stream = self.session.streams.find(connection.address, node.handle)
        return stream is not None and stream.active

    def _label_subscribe(self, node: GattNode | None) -> None:
        """The button says what pressing it does: Unsubscribe while subscribed."""
        button = self.query_one("#gatt-subscribe", Button)
        label = "Unsubscribe" if node is not None and self._subscribed(node) else "Subscribe"
        if str(button.label) != label:
            button.label = label

    # -- operations ---------------------------------------------------------------------

    def _need(self) -> tuple[str, GattNode] | None:
        if self.connection is None:
            self.notify("Connect to a device first (Scan pane, Enter).", severity="warning")
            return None
        if self.selected is None or self.selected.kind == "service":
            self.notify("Select a characteristic or a descriptor first.", severity="warning")
            return None
        return self.connection.address, self.selected

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
    async def _read(self, address: str, node: GattNode) -> None:
        try:
            result: ReadResult = await self.session.read(address, node)
            decoded = result.decoded
            context = self.session.hid(address)
            if result.data is not None and context is not None:
                decoded = await context.note_read(node, result.data, decoded)
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
    async def _write(self, address: str, node: GattNode, data: bytes) -> None:
        response = node.kind == "descriptor" or "write" in node.properties
        try:
            await self.session.write(address, node, data, response=response)
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
    async def _subscribe(self, address: str, node: GattNode) -> None:
        unsubscribing = self._subscribed(node)
        try:
            if unsubscribing:
                try:
                    await self.session.unsubscribe(address, node)
                finally:
                    context = self.session.hid(address)
                    if context is not None:
                        context.detach(node.handle)
                    self._show_keys()
                    self._label_subscribe(self.selected)
                self.notify(f"Unsubscribed from {node.label}", markup=False)
                return
            # A keyboard's input report: the session decodes it as keys from here on.
            stream = await self.session.subscribe(address, node)
        except Exception as exc:  # noqa: BLE001 - shown in words
            self._failed("Unsubscribe" if unsubscribing else "Subscribe", exc)
            return
        self._label_subscribe(self.selected)
        keys = self._start_keys(address, stream)
        self.notify(
            f"Subscribed to {node.label}: "
            + ("its keys show here and in the Streams pane (3)" if keys
               else "its values stream in the Streams pane (3)"),
            markup=False,
        )

    def _start_keys(self, address: str, stream: Stream) -> bool:
        """A keyboard input report (the session attached its keyboard): its keys line."""
        context = self.session.hid(address)
        keyboard = context.keyboards.get(stream.handle) if context is not None else None
        if keyboard is None:
            return False
        # From the stream's first sample: the device may start typing at once.
        keyboard.catch_up(self.session.streams)
        self._show_keys()
        return True

    def action_read_all(self) -> None:
        if self.connection is None:
            self.notify("Connect to a device first (Scan pane, Enter).", severity="warning")
            return
        self._read_all(self.connection.address)

    @work(group="gatt-op", exclusive=True, exit_on_error=False)
    async def _read_all(self, address: str) -> None:
        try:
            # A device that drops the link mid-walk keeps every value read before it.
            results = await self.session.read_all(address, keep_partial=True)
        except Exception as exc:  # noqa: BLE001 - shown in words
            self._failed("Read all", exc)
            return
        tree = self.query_one(GattTreeView)
        for result in results:
            self.values[result.handle] = (result.data, result.decoded, result.error)
            if self.gatt_tree is not None:
                node = self.gatt_tree.node(result.handle)
                if node is not None:
                    tree.relabel(node)
        self._show_node(self.selected)
        lost = lost_during(results)
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
