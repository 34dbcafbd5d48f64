"""The GATT database as a Tree: services, characteristics, descriptors with names,
handles and properties. Names may come from the air (user description descriptors, or a
device's own UUID naming) and are shown through `safe_text`."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from blebench.session.models import GattNode, GattTree
from blebench.ui.safe_text import safe_text

PROPERTY_ABBREVIATIONS = {
    "read": "R",
    "write": "W",
    "write-without-response": "Wn",
    "notify": "N",
    "indicate": "I",
    "broadcast": "B",
    "authenticated-signed-writes": "S",
    "extended-properties": "X",
    "reliable-write": "Rw",
    "writable-auxiliaries": "Wa",
}
KIND_STYLE = {"service": "bold", "characteristic": "", "descriptor": "dim"}


UUID_SHORT_HEX = 8  # a vendor's 128-bit UUID in the tree: its first 8 hex digits


def tree_uuid(node: GattNode) -> str:
    """The UUID as the tree shows it: 16-bit ones whole, 128-bit ones cut to their first
    8 hex digits and "…" (the full UUID is in the detail), so the properties stay in view."""
    short = node.short_uuid
    return short if len(short) <= UUID_SHORT_HEX else short[:UUID_SHORT_HEX] + "…"


INLINE_VALUE_MAX = 28  # characters of a value shown beside its node


def node_label(node: GattNode, value: str | None = None) -> Text:
    """`0x0010 Heart Rate Measurement 2a37  N  = 72 bpm`: the value, once read or
    notified, inline (cut to INLINE_VALUE_MAX; the value box has it whole)."""
    text = Text(f"0x{node.handle:04X} ", style="dim")
    if node.name:
        text.append_text(safe_text(node.name, max_len=48, style=KIND_STYLE[node.kind]))
        text.append(f" {tree_uuid(node)}", style="dim")
    else:
        text.append(tree_uuid(node), style=KIND_STYLE[node.kind])
    if node.properties:
        text.append("  ")
        text.append(
            " ".join(PROPERTY_ABBREVIATIONS.get(p, p) for p in node.properties), style="italic"
        )
    if node.permissions:
        text.append("  ⚿", style="bold yellow")
    if value is not None:
        text.append("  = ", style="dim")
        text.append_text(safe_text(value, max_len=INLINE_VALUE_MAX, style="cyan"))
    return text


class GattTreeView(Tree[GattNode]):
    """Filled once per discovery; each node's data is its GattNode."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(Text("not connected", style="dim"), id=id)
        self.show_root = True
        self.guide_depth = 3
        self._by_handle: dict[int, TreeNode[GattNode]] = {}
        self._inline: dict[int, str] = {}  # handle -> the value shown beside it

    def show_tree(self, label: Text, tree: GattTree, values: dict[int, str] | None = None) -> None:
        """Fill the tree from `tree`; `values` (handle -> short text) shown inline."""
        self.clear()
        # Back to the root: a cursor left on the previous tree's line 13 would sit on this
        # tree's line 13 with no highlight event, so the pane would not know what it shows.
        self.cursor_line = 0
        self._by_handle.clear()
        self._inline = dict(values or {})
        inline = self._inline.get
        self.root.set_label(label)
        for service in tree.services:
            service_node = self.root.add(
                node_label(service, inline(service.handle)), data=service, expand=True
            )
            self._by_handle[service.handle] = service_node
            for characteristic in service.children:
                char_node = service_node.add(
                    node_label(characteristic, inline(characteristic.handle)),
                    data=characteristic,
                    expand=True,
                    allow_expand=bool(characteristic.children),
                )
                self._by_handle[characteristic.handle] = char_node
                for descriptor in characteristic.children:
                    self._by_handle[descriptor.handle] = char_node.add_leaf(
                        node_label(descriptor, inline(descriptor.handle)), data=descriptor
                    )
        self.root.expand()

    def relabel(self, node: GattNode) -> None:
        """After an operation taught us a permission (e.g. read needs encryption)."""
        tree_node = self._by_handle.get(node.handle)
        if tree_node is not None:
            tree_node.set_label(node_label(node, self._inline.get(node.handle)))

    def show_value(self, node: GattNode, value: str | None) -> None:
        """The value read or notified, beside its node (None: none shown); relabels only
        when the text changed, so a flood costs one label per refresh at most."""
        if value is None:
            if self._inline.pop(node.handle, None) is None:
                return
        elif self._inline.get(node.handle) == value:
            return
        else:
            self._inline[node.handle] = value
        self.relabel(node)

    def select_handle(self, handle: int) -> None:
        tree_node = self._by_handle.get(handle)
        if tree_node is not None:
            self.move_cursor(tree_node)
