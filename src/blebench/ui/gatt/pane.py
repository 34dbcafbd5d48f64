"""The GATT pane: the connected device's services, characteristics and descriptors; read,
write with a typed editor, subscribe (the stream then shows in the Streams pane); decoded
values, the HID report map as reports and usages, keyboard input reports as keys.

Every operation runs in a worker and ends in the value box: the value, or what went wrong
in words with the next step (never a traceback). Values read or notified also show inline in
the tree. The pane keeps each connected device's tree, values, selection and what was typed
for each characteristic apart (`DeviceView`): `]` and `[` switch between the links, and
nothing of one device (a value, a half-typed write, a subscribe state) shows for another. The pane calls the session through its
`SessionApi` (by address and node); what HID-over-GATT means (report references, the
report map, keyboards) is the session's `HidContext` (blebench.session.hid): the pane draws.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Static, Tree

from blebench.decode.names import short_uuid
from blebench.session.decoding import decode_fields, lost_during
from blebench.session.errors import GattOperationError
from blebench.session.models import ConnectionInfo, GattNode, GattTree, ReadResult
from blebench.ui.connect import Failure
from blebench.ui.gatt.editor import ValueEditor
from blebench.ui.gatt.keys import keys_line
from blebench.ui.gatt.link_dialog import LinkDialog
from blebench.ui.gatt.link_header import LinkValues, header_text
from blebench.ui.gatt.link_header import security_words as security_words  # was here
from blebench.ui.gatt.tree import GattTreeView, node_label
from blebench.ui.gatt.values import inline_value, value_view
from blebench.ui.safe_text import safe_text
from blebench.ui.steady import SteadyStatic

if TYPE_CHECKING:
    from blebench.session.api import SessionApi
    from blebench.session.hid import HidContext
    from blebench.session.streams import Stream

DEFAULT_REFRESH_HZ = 10.0
LINK_POLL_S = 0.5  # the header reads the link's parameters at 2 Hz: the peer or the CLI may change them

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


NOTHING_TO_WRITE = (
    "nothing to write: type a value first (hex 01 ff, text, 42, 3.5). A zero-length write "
    'is sent only on purpose, from the CLI: blebench write DEVICE CHAR "" --empty'
)

Value = tuple[bytes | None, Any, "dict[str, Any] | None"]  # data, decoded, error


class DeviceShown(Message):
    """The pane shows another linked device (a connect, `]` / `[`): the Security pane's
    "P pairs with" follows it."""

    def __init__(self, address: str, name: str | None) -> None:
        super().__init__()
        self.address = address
        self.name = name


@dataclass(slots=True)
class DeviceView:
    """What the pane keeps of one connected device: its tree, the values read or notified,
    the node selected, and what was typed for each characteristic (its own draft)."""

    address: str
    tree: GattTree
    name: str | None
    values: dict[int, Value] = field(default_factory=dict)
    drafts: dict[int, str] = field(default_factory=dict)
    selected: int | None = None
    seen: dict[int, int] = field(default_factory=dict)  # handle -> the stream sample shown


def can_read(node: GattNode) -> bool:
    return node.kind == "descriptor" or "read" in node.properties


def can_write(node: GattNode) -> bool:
    if node.kind == "descriptor":
        return not node.uuid.startswith("00002902-")  # the CCCD: written by subscribing
    return bool({"write", "write-without-response"} & set(node.properties))


def can_subscribe(node: GattNode) -> bool:
    return node.kind == "characteristic" and bool({"notify", "indicate"} & set(node.properties))


def no_value_hint(node: GattNode) -> Text:
    """What the value box says before anything was read: only what this node can do."""
    if can_read(node) and can_subscribe(node):
        hint = "No value yet: read it (r) or subscribe (n)."
    elif can_read(node):
        hint = "No value yet: read it (r)."
    elif can_subscribe(node):
        hint = "No value yet: it cannot be read; subscribe (n) and its values come here."
    elif can_write(node):
        hint = "Write-only: there is no value to read. w types a value to write (Enter writes)."
    else:
        hint = "Nothing to read, write or subscribe to here."
    return Text(hint, style="dim")


class GattPane(Horizontal):
    BINDINGS = [
        Binding("r", "read", "Read"),
        Binding("w", "write", "Write"),
        # One key, two bindings: the footer says what pressing it does now.
        Binding("n", "subscribe", "Subscribe"),
        Binding("n", "unsubscribe", "Unsubscribe"),
        Binding("d", "disconnect", "Disconnect"),
        # "] Next link" in the footer with two links or more (room for L at 80 columns); with
        # one, ] still says there is no other.
        Binding("right_square_bracket", "next_device", "Next link"),
        Binding("right_square_bracket", "only_link", show=False),
        Binding("L", "link", "Link"),
        Binding("left_square_bracket", "previous_device", "Previous link", show=False),
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
        # The shown device's values (its DeviceView's), by handle.
        self.values: dict[int, Value] = {}
        # The connection's HID context (blebench.session.hid): report map, references,
        # the keyboards subscribed to and what they typed.
        self.hid: HidContext | None = None
        self._views: dict[str, DeviceView] = {}  # by address: every device connected here
        self._view: DeviceView | None = None  # the one shown
        self._header: tuple[Any, ...] | None = None  # what the header shows, redrawn on change
        self._link: dict[str, Any] | None = None  # the shown link's state (SessionApi.link_state)
        self._link_read_at = 0.0  # when it was read (time.monotonic)
        self._lost_shown = False  # the header says the link is gone
        self._subscribed_shown: bool | None = None  # the footer's n: Subscribe / Unsubscribe
        self._restoring: int | None = None  # the handle to put the cursor back on

    def compose(self) -> ComposeResult:
        with Vertical(id="gatt-left"):
            yield SteadyStatic(Text("Not connected. Pick a device in the Scan pane and press Enter.",
                              style="dim"), id="gatt-device")
            yield GattTreeView(id="gatt-tree")
        with Vertical(id="gatt-right"):
            yield SteadyStatic(id="gatt-node")
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
                yield SteadyStatic(id="gatt-value-body")

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
        """Each tick (the settings' `refresh_hz`): the link's state and security in the
        header, every new keyboard report, and the newest sample of each subscribed
        characteristic of the shown device, inline in the tree (and in the value box when
        selected)."""
        if self.connection is not None:
            self.connection = self.session.connection(self.connection.address) or self.connection
        connection, view = self.connection, self._view
        if connection is not None and not connection.is_connected and not self._lost_shown:
            self._show_lost()
        elif connection is not None and connection.is_connected:
            self._show_header()
        store = self.session.streams
        if self.hid is not None and self.hid.keyboards and self.hid.catch_up(store):
            self._show_keys()
        self._label_subscribe(self.selected)
        if connection is None or view is None:
            return
        tree = self.query_one(GattTreeView)
        for stream in store.streams():
            if stream.address != connection.address or not stream.stored_total:
                continue
            if view.seen.get(stream.handle) == stream.stored_total:
                continue
            node = view.tree.node(stream.handle)
            if node is None:
                continue
            view.seen[stream.handle] = stream.stored_total
            raws, _ = stream.raw_since(stream.stored_total - 1)  # the newest only
            if not raws:
                continue
            data = raws[-1][3]
            decoded = decode_fields(node.uuid, data)
            if self.hid is not None:
                decoded = self.hid.decoded(node, data, decoded)
            view.values[node.handle] = (data, decoded, None)
            tree.show_value(node, inline_value(data, decoded, None))
            if self.selected is not None and self.selected.handle == node.handle:
                self._show_node(node)

    # -- connection ---------------------------------------------------------------------

    async def connect(self, address: str, progress: Callable[[str], None]) -> None:
        """Run by the connect dialog: connect, then walk the database. Enter on a device
        already linked shows it as it was left (values, selection, drafts)."""
        before = self.session.connection(address)
        was_live = before is not None and before.is_connected
        progress("connecting")
        connection = await self.session.connect(address)
        view = self._views.get(connection.address)
        if not (was_live and view is not None):
            progress("discovering services")
            tree = await self.session.discover(connection.address)
            record = self.session.device(address)
            name = record.name if record is not None and record.name else connection.name
            view = DeviceView(connection.address, tree, name)
            self._views[connection.address] = view  # a new link: nothing of the old one
            hid = self.session.hid(connection.address)
            if hid is not None:
                hid.reset()  # a new link: its keyboards are subscribed to again
        self._show_view(view, connection)

    def show_device(self, address: str) -> bool:
        """Show another device linked here (H6's switching, the Scan pane's Enter): its
        tree, values and selection as they were; False when it is not linked here."""
        view = self._views.get(address.upper()) or self._views.get(address)
        connection = self.session.connection(address)
        if view is None or connection is None:
            return False
        if view is not self._view:
            self._show_view(view, connection)
        return True

    def linked(self) -> list[str]:
        """The addresses of the devices linked and shown here, in the order connected."""
        live = {c.address for c in self.session.all_connections() if c.is_connected}
        return [address for address in self._views if address in live]

    def _show_view(self, view: DeviceView, connection: ConnectionInfo) -> None:
        self._save_draft()
        self._view = view
        self.connection = connection
        self.gatt_tree = view.tree
        self.device_name = view.name
        self.values = view.values
        self.hid = self.session.hid(connection.address)
        self._lost_shown = False
        self._header = None
        self._show_keys()
        inline = {
            handle: text
            for handle, value in view.values.items()
            if (text := inline_value(*value)) is not None
        }
        tree = self.query_one(GattTreeView)
        node = view.tree.node(view.selected) if view.selected is not None else None
        # The previous device's selection, value and typed text must not linger here: this
        # device's own (or nothing) shows at once.
        self._restoring = node.handle if node is not None else None
        tree.show_tree(self._device_label(), view.tree, inline)
        self.selected = node
        editor = self.query_one("#editor-value", Input)
        editor.value = view.drafts.get(node.handle, "") if node is not None else ""
        self._show_node(node)
        self.post_message(DeviceShown(connection.address, view.name))
        if node is not None:
            # The rebuilt tree has its lines after a refresh; the root's highlight comes
            # first and must not forget the selection (`_node_highlighted`).
            self.call_after_refresh(self._restore_cursor, view, node.handle)
        self._show_header()

    def _restore_cursor(self, view: DeviceView, handle: int) -> None:
        if view is self._view:
            self.query_one(GattTreeView).select_handle(handle)
        self._restoring = None

    def _step_device(self, step: int) -> None:
        linked = self.linked()
        if not linked:
            self.notify("Not connected: pick a device in the Scan pane and press Enter.",
                        severity="warning")
            return
        if len(linked) == 1:
            self.notify("Only one device is linked: connect another in the Scan pane "
                        "(Enter); ] and [ then switch between them.", markup=False)
            return
        current = self.connection.address if self.connection is not None else None
        index = linked.index(current) if current in linked else -1
        self.show_device(linked[(index + step) % len(linked)])

    def action_next_device(self) -> None:
        self._step_device(1)

    def action_only_link(self) -> None:
        self._step_device(1)

    def action_previous_device(self) -> None:
        self._step_device(-1)

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
        self._header = None
        text = Text("✗ link lost: ", style="bold red")
        text.append_text(self._device_label())
        reason = self.connection.disconnect_reason if self.connection is not None else None
        if reason:  # e.g. "HCI 0x08 Connection Timeout": the peer went quiet (off, out of range)
            text.append(f" ({reason.get('hex')} {reason.get('name')})", style="red")
        self.query_one("#gatt-device", Static).update(text)

    def _show_header(self) -> None:
        """`⇄ Pulse HRM  AA:..  🔒 encrypted, level 2 …  link 1 of 2: ] next`, then the link
        (interval, latency, timeout, PHY, data length, MTU: ui/gatt/link_header.py), fitted
        to the header's width and redrawn only when something in it changed (pairing raises
        the level mid-link; the peer, the CLI or the Link dialog changes the link). The
        link's state is read at 2 Hz (LINK_POLL_S), not at each tick."""
        connection = self.connection
        if connection is None:
            return
        now = time.monotonic()
        if self._header is None or now - self._link_read_at >= LINK_POLL_S:
            self._link_read_at = now
            try:
                self._link = self.session.link_state(connection.address)
            except Exception:  # noqa: BLE001 - the link just went: the lost header says so
                return
        header = self.query_one("#gatt-device", Static)
        linked = self.linked()
        link = LinkValues.of(self._link, connection)
        width = header.content_region.width
        key = (connection.address, self.device_name, connection.encrypted,
               connection.authenticated, connection.secure_connections,
               connection.encryption_key_size, tuple(linked), link, width)
        if key == self._header:
            return
        if self._header is not None and self._header[6] != key[6]:
            self.refresh_bindings()  # the footer's "] Next link" shows with two links or more
        self._header = key
        position = None
        if len(linked) > 1 and connection.address in linked:
            position = (linked.index(connection.address) + 1, len(linked))
        header.update(header_text(self._device_label(), connection, link, width,
                                  position=position))

    def show_connection(self, address: str) -> None:
        """The connect dialog closed on `address`: show it (and its security)."""
        if self.connection is None:
            return
        if self.connection.address != address.upper():
            self.show_device(address)
        self._lost_shown = False
        self._header = None
        self._show_header()

    def action_link(self) -> None:
        """`L`: the Link dialog over the shown link (ui/gatt/link_dialog.py)."""
        connection = self.connection
        if connection is None or not connection.is_connected:
            self.notify("Connect to a device first (Scan pane, Enter): L then changes its "
                        "link.", severity="warning")
            return
        self.app.push_screen(LinkDialog(self.session, connection.address,
                                        self.device_name or connection.address),
                             lambda _changed: self._link_changed())

    def _link_changed(self) -> None:
        self._header = None  # read the link again now, not at the next poll
        if self.connection is not None and self.connection.is_connected:
            self._show_header()

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
        self._views.pop(connection.address, None)
        if self._view is not None and self._view.address == connection.address:
            self._view = None
        others = self.linked()
        if others and self.show_device(others[0]):
            return  # another device is still linked: it shows
        self.connection = None
        self.gatt_tree = None
        self.hid = None
        self.values = {}
        self._show_keys()
        tree = self.query_one(GattTreeView)
        tree.clear()
        tree.root.set_label(Text("not connected", style="dim"))
        self.query_one("#gatt-device", Static).update(
            Text("Disconnected. Pick a device in the Scan pane and press Enter.", style="dim")
        )
        self.query_one("#editor-value", Input).value = ""
        self._show_node(None)

    # -- selection ----------------------------------------------------------------------

    @on(Tree.NodeHighlighted, "#gatt-tree")
    def _node_highlighted(self, event: Tree.NodeHighlighted[GattNode]) -> None:
        node = event.node.data
        if self._restoring is not None and (node is None or node.handle != self._restoring):
            return  # the rebuilt tree's first highlight, before the kept selection is back
        self._restoring = None
        self._select(node)

    def _save_draft(self) -> None:
        """What was typed belongs to the characteristic it was typed for."""
        view, node = self._view, self.selected
        if view is None or node is None:
            return
        text = self.query_one("#editor-value", Input).value
        if text:
            view.drafts[node.handle] = text
        else:
            view.drafts.pop(node.handle, None)

    def _select(self, node: GattNode | None) -> None:
        """The cursor moved to `node`: its value, its buttons, its own typed text."""
        if node is not self.selected:
            self._save_draft()
            view = self._view
            if view is not None:
                view.selected = node.handle if node is not None else None
            draft = view.drafts.get(node.handle, "") if view is not None and node else ""
            editor = self.query_one("#editor-value", Input)
            if editor.value != draft:
                editor.value = draft
        self._show_node(node)

    def _show_node(self, node: GattNode | None) -> None:
        self.selected = node
        info = self.query_one("#gatt-node", Static)
        body = self.query_one("#gatt-value-body", Static)
        read = self.query_one("#gatt-read", Button)
        write = self.query_one("#gatt-write", Button)
        subscribe = self.query_one("#gatt-subscribe", Button)
        self.query_one("#gatt-disconnect", Button).disabled = self.connection is None
        self._label_subscribe(node)
        self.refresh_bindings()
        if node is None or node.kind == "service":
            for button in (read, write, subscribe):
                button.disabled = True
            info.update(node_label(node) if node is not None else Text(
                "Select a characteristic or a descriptor.", style="dim"))
            body.update("")
            return
        read.disabled = not can_read(node)
        write.disabled = not can_write(node)
        subscribe.disabled = not can_subscribe(node)
        text = node_label(node)
        text.append(f"\n{node.uuid}", style="dim")
        if node.properties:
            text.append("\nproperties: " + ", ".join(node.properties), style="dim")
        if node.permissions:
            text.append("\nlearnt: " + ", ".join(node.permissions), style="yellow")
        info.update(text)
        data, decoded, error = self.values.get(node.handle, (None, None, None))
        if data is None and error is None:
            body.update(no_value_hint(node))
        else:
            body.update(value_view(data, decoded, error))

    def _subscribed(self, node: GattNode) -> bool:
        connection = self.connection
        if connection is None:
            return False
        stream = self.session.streams.find(connection.address, node.handle)
        return stream is not None and stream.active

    def _label_subscribe(self, node: GattNode | None) -> None:
        """The button and the footer say what pressing them does: Unsubscribe while the
        selected characteristic of the shown device is subscribed."""
        subscribed = node is not None and node.kind == "characteristic" and self._subscribed(node)
        button = self.query_one("#gatt-subscribe", Button)
        label = "Unsubscribe" if subscribed else "Subscribe"
        if str(button.label) != label:
            button.label = label
        if subscribed != self._subscribed_shown:
            self._subscribed_shown = subscribed
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer offers what the selected node can do: no Read for a write-only
        characteristic, Subscribe or Unsubscribe as it stands (False hides the key). Write
        stays: on a characteristic that refuses writes, w says so in words."""
        node = self.selected
        if action == "read":
            return node is None or node.kind == "service" or can_read(node)
        if action in ("next_device", "only_link"):
            several = len(self.linked()) > 1
            return several if action == "next_device" else not several
        if action in ("subscribe", "unsubscribe"):
            subscribed = bool(self._subscribed_shown)
            return subscribed if action == "unsubscribe" else not subscribed
        return True

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
        value: Value
        try:
            result: ReadResult = await self.session.read(address, node)
            decoded = result.decoded
            context = self.session.hid(address)
            if result.data is not None and context is not None:
                decoded = await context.note_read(node, result.data, decoded)
            value = (result.data, decoded, None)
        except Exception as exc:  # noqa: BLE001 - shown in words, never a traceback
            value = (None, None, _error_json(exc))
        self._keep(address, node, value)

    def _keep(self, address: str, node: GattNode, value: Value) -> None:
        """A value for `address`'s node: kept in its device's view, drawn only when that
        device is the one shown (the user may have switched while it was read)."""
        view = self._views.get(address)
        if view is None:
            return
        view.values[node.handle] = value
        if view is not self._view:
            return
        self.query_one(GattTreeView).show_value(node, inline_value(*value))
        if self.selected is node:
            self._show_node(node)

    def action_write(self) -> None:
        """`w`: into the value editor of the selected node (Enter writes, Escape leaves)."""
        target = self._need()
        if target is None:
            return
        node = target[1]
        if not can_write(node):
            what = (
                "the CCCD is written by subscribing (n)" if node.kind == "descriptor"
                else f"its properties: {', '.join(node.properties) or 'none'}"
            )
            self.notify(f"{node.label} (0x{node.handle:04X}) does not allow write ({what}).",
                        severity="warning", markup=False)
            return
        self.query_one("#editor-value", Input).focus()

    def _submit_write(self) -> None:
        target = self._need()
        if target is None:
            return
        editor = self.query_one(ValueEditor)
        field = editor.query_one("#editor-value", Input)
        if not field.value.strip():
            self.notify(NOTHING_TO_WRITE, title="Value not written", severity="warning",
                        markup=False)
            field.focus()
            return
        try:
            data = editor.value()
        except ValueError as exc:
            self.notify(str(exc), title="Value not written", severity="error", markup=False)
            field.focus()
            return
        if not data:
            self.notify(NOTHING_TO_WRITE, title="Value not written", severity="warning",
                        markup=False)
            return
        self._write(*target, data)

    @on(Button.Pressed, "#gatt-write")
    def _write_pressed(self) -> None:
        self._submit_write()

    @on(Input.Submitted, "#editor-value")
    def _write_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit_write()

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

    def action_unsubscribe(self) -> None:
        self.action_subscribe()

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
        view = self._views.get(address)
        for result in results:
            node = view.tree.node(result.handle) if view is not None else None
            if node is not None:
                self._keep(address, node, (result.data, result.decoded, result.error))
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
