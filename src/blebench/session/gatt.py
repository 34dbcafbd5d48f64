"""GATT through bleak: discovery into one model, reads (raw + decoded), writes, subscriptions.

The model (`GattNode`, `GattTree`) is plain data the UI, the CLI JSON and the tests share.
Operations take a `DeviceConnection` (blebench.session.connections) and raise the
session's typed errors (`DeviceError` subclasses): ATT errors in words with a next
step, a device that vanished mid-operation, timeouts.

Values a user types for a write are read by `blebench.userinput.parse_value`; the model
lives in `session.models`, the errors in `session.errors`, the decoders in `session.decoding`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from blebench.decode.names import normalize_uuid, uuid_name
from blebench.session.decoding import (
    REPORT_MAP_UUID,
    decode_fields,
    decode_report_map,
)
from blebench.session.errors import (
    ConnectionLostError,
    DeviceError,
    GattOperationError,
    NotConnectedError,
    TargetError,
)
from blebench.session.models import (
    GattNode,
    GattTree,
    NodeKind,
    ReadResult,
)

if TYPE_CHECKING:
    from bleak.backends.characteristic import BleakGATTCharacteristic
    from bleak.backends.descriptor import BleakGATTDescriptor

    from blebench.session.connections import DeviceConnection
    from blebench.session.streams import Stream, StreamStore


CPF_UUID = normalize_uuid("2904")
CCCD_UUID = normalize_uuid("2902")
USER_DESCRIPTION_UUID = normalize_uuid("2901")
VALID_RANGE_UUID = normalize_uuid("2906")
# ATT errors that mean "the value is outside what the characteristic takes": Value Not
# Allowed (0x13) and the Common Profile and Service "Out of Range" (0xFF).
OUT_OF_RANGE_CODES = frozenset({0x13, 0xFF})


def tree_from_bleak(address: str, services: Any, mtu: int) -> GattTree:
    """The model from a `BleakGATTServiceCollection`."""
    out: list[GattNode] = []
    for service in sorted(services, key=lambda s: s.handle):
        snode = GattNode("service", service.handle, service.uuid, uuid_name(service.uuid))
        for char in sorted(service.characteristics, key=lambda c: c.handle):
            cnode = GattNode(
                "characteristic",
                char.handle,
                char.uuid,
                uuid_name(char.uuid),
                properties=list(char.properties),
                parent_handle=service.handle,
            )
            for desc in sorted(char.descriptors, key=lambda d: d.handle):
                cnode.children.append(
                    GattNode(
                        "descriptor",
                        desc.handle,
                        desc.uuid,
                        uuid_name(desc.uuid),
                        parent_handle=char.handle,
                    )
                )
            snode.children.append(cnode)
        out.append(snode)
    return GattTree(address, out, mtu)


# -- operations --------------------------------------------------------------------------


_PERMISSION_FROM_ATT = {
    0x02: "not readable",
    0x03: "not writable",
    0x05: "needs authentication",
    0x08: "needs authorization",
    0x0C: "needs a longer encryption key",
    0x0F: "needs encryption",
}


def _learn_permission(node: GattNode, verb: str, code: int | None) -> None:
    if code is None:
        return
    words = _PERMISSION_FROM_ATT.get(code)
    if words is None:
        return
    text = words if words.startswith("not") else f"{verb} {words}"
    if text not in node.permissions:
        node.permissions.append(text)


def _bleak_char(conn: DeviceConnection, node: GattNode) -> BleakGATTCharacteristic:
    char = conn.client.services.get_characteristic(node.handle)
    if char is None:
        raise TargetError(
            f"characteristic 0x{node.handle:04X} is not in this connection's services"
        )
    return char


def _bleak_desc(conn: DeviceConnection, node: GattNode) -> BleakGATTDescriptor:
    desc = conn.client.services.get_descriptor(node.handle)
    if desc is None:
        raise TargetError(f"descriptor 0x{node.handle:04X} is not in this connection's services")
    return desc


async def discover(conn: DeviceConnection) -> GattTree:
    """The connection's GATT tree (bleak discovers at connect; this builds the model)."""
    if not conn.is_connected:
        raise NotConnectedError(conn.address, "walking the GATT database")
    async with conn.operation("service discovery"):
        services = conn.client.services
    tree = tree_from_bleak(conn.address, services, conn.mtu)
    conn.tree = tree
    return tree


def resolve(
    conn: DeviceConnection, spec: str | int, kinds: tuple[NodeKind, ...] = ("characteristic",)
) -> GattNode:
    tree = conn.tree
    if tree is None:
        tree = tree_from_bleak(conn.address, conn.client.services, conn.mtu)
        conn.tree = tree
    return tree.find(spec, kinds)


async def read_raw(conn: DeviceConnection, node: GattNode) -> bytes:
    """The value bytes of a characteristic or descriptor (long reads included)."""
    label = f"the read of {node.label} (0x{node.handle:04X})"
    try:
        async with conn.operation(label):
            if node.kind == "descriptor":
                data = await conn.client.read_gatt_descriptor(_bleak_desc(conn, node))
            else:
                data = await conn.client.read_gatt_char(_bleak_char(conn, node))
    except GattOperationError as exc:
        _learn_permission(node, "read", exc.code)
        raise
    return bytes(data)


async def read(conn: DeviceConnection, spec: str | int | GattNode) -> ReadResult:
    """Read and decode one characteristic (or descriptor, by handle). Raises DeviceError."""
    node = (
        spec
        if isinstance(spec, GattNode)
        else resolve(conn, spec, ("characteristic", "descriptor"))
    )
    if node.kind == "characteristic" and "read" not in node.properties:
        notifies = {"notify", "indicate"} & set(node.properties)
        raise DeviceError(
            f"{node.label} (0x{node.handle:04X}) cannot be read "
            f"(its properties: {', '.join(node.properties) or 'none'})",
            next_step=(
                "its values come as notifications: `blebench notify DEVICE CHAR`"
                if notifies
                else "pick a readable characteristic (`blebench gatt DEVICE`)"
            ),
        )
    data = await read_raw(conn, node)
    return ReadResult(
        node.handle, node.uuid, node.name, node.kind, data, await _decode(conn, node, data)
    )


async def _decode(conn: DeviceConnection, node: GattNode, data: bytes) -> Any:
    if node.kind == "characteristic" and node.uuid == REPORT_MAP_UUID:
        return decode_report_map(data)
    presentation = None
    if node.kind == "characteristic":
        cpf = next((d for d in node.children if d.uuid == CPF_UUID), None)
        if cpf is not None:
            presentation = await conn.cached_descriptor(cpf, lambda: read_raw(conn, cpf))
    return decode_fields(node.uuid, data, presentation)


async def read_all(conn: DeviceConnection, *, keep_partial: bool = False) -> list[ReadResult]:
    """Every readable characteristic and every descriptor read and decoded; a failure is
    recorded in its result (in words) and the walk goes on. A lost connection stops the
    walk, since nothing after it could succeed: it is raised, or with `keep_partial` it is
    recorded on the value that was being read and what was read before it is returned
    (a device that drops the link on one read should not hide every other answer)."""
    tree = conn.tree or await discover(conn)
    results: list[ReadResult] = []
    for node in tree.walk():
        if node.kind == "service":
            continue
        if node.kind == "characteristic" and "read" not in node.properties:
            continue
        try:
            results.append(await read(conn, node))
        except ConnectionLostError as exc:
            if not keep_partial:
                raise
            results.append(
                ReadResult(node.handle, node.uuid, node.name, node.kind, error=exc.to_json())
            )
            break
        except DeviceError as exc:
            results.append(
                ReadResult(node.handle, node.uuid, node.name, node.kind, error=exc.to_json())
            )
    return results


async def write(
    conn: DeviceConnection,
    spec: str | int | GattNode,
    data: bytes,
    *,
    response: bool = True,
) -> GattNode:
    """Write a characteristic value (with or without response; long writes are split by
    the backend) or, given a descriptor's handle, a descriptor. Raises DeviceError."""
    node = (
        spec
        if isinstance(spec, GattNode)
        else resolve(conn, spec, ("characteristic", "descriptor"))
    )
    mode = "write" if response else "write without response"
    if node.kind == "characteristic":
        wanted = "write" if response else "write-without-response"
        if wanted not in node.properties:
            raise DeviceError(
                f"{node.label} (0x{node.handle:04X}) does not allow {mode} "
                f"(its properties: {', '.join(node.properties) or 'none'})",
                next_step=(
                    "use --no-response"
                    if response and "write-without-response" in node.properties
                    else "drop --no-response"
                    if not response and "write" in node.properties
                    else "pick a writable characteristic (`blebench gatt DEVICE`)"
                ),
            )
    if node.kind == "descriptor" and node.uuid == CCCD_UUID:
        raise DeviceError(
            "the CCCD (0x2902) is written by subscribing, not by hand",
            next_step="use `blebench notify DEVICE CHAR` (or subscribe in the Streams pane)",
        )
    label = f"the {mode} of {node.label} (0x{node.handle:04X})"
    try:
        async with conn.operation(label):
            if node.kind == "descriptor":
                await conn.client.write_gatt_descriptor(_bleak_desc(conn, node), data)
            else:
                await conn.client.write_gatt_char(_bleak_char(conn, node), data, response=response)
    except GattOperationError as exc:
        _learn_permission(node, "write", exc.code)
        if exc.code in OUT_OF_RANGE_CODES and node.kind == "characteristic":
            bounds = await _valid_range(conn, node)
            if bounds:
                exc.next_step = (
                    f"write a value within its Valid Range (0x2906): {bounds}"
                )
        raise
    return node


async def _valid_range(conn: DeviceConnection, node: GattNode) -> str | None:
    """The characteristic's Valid Range descriptor (0x2906) in words (`1 to 600`), typed by
    its 0x2904 when it has one; None without the descriptor or when it cannot be read."""
    desc = next((d for d in node.children if d.uuid == VALID_RANGE_UUID), None)
    if desc is None:
        return None
    try:
        data = await conn.cached_descriptor(desc, lambda: read_raw(conn, desc))
    except DeviceError:
        return None
    if data is None:
        return None
    cpf = next((d for d in node.children if d.uuid == CPF_UUID), None)
    presentation = None
    if cpf is not None:
        with contextlib.suppress(DeviceError):
            presentation = await conn.cached_descriptor(cpf, lambda: read_raw(conn, cpf))
    decoded = decode_fields(VALID_RANGE_UUID, data, presentation)
    if not isinstance(decoded, dict) or decoded.get("error") or not decoded.get("summary"):
        return None
    return str(decoded["summary"])


async def subscribe(
    conn: DeviceConnection,
    store: StreamStore,
    spec: str | int | GattNode,
    *,
    indicate: bool = False,
    capacity: int | None = None,
) -> Stream:
    """Subscribe to notifications (or indications) into a stream of `store`.

    The backend's callback is the stream's cheap append (`Stream.on_notify`)."""
    node = spec if isinstance(spec, GattNode) else resolve(conn, spec)
    can_notify = "notify" in node.properties
    can_indicate = "indicate" in node.properties
    if not (can_notify or can_indicate):
        raise DeviceError(
            f"{node.label} (0x{node.handle:04X}) sends neither notifications nor indications "
            f"(its properties: {', '.join(node.properties) or 'none'})",
            next_step="pick a characteristic with notify or indicate (`blebench gatt DEVICE`)",
        )
    use_indicate = can_indicate and (indicate or not can_notify)
    mode: Literal["notify", "indicate"] = "indicate" if use_indicate else "notify"
    # After a reconnect the same Stream resumes, so readers keep their cursors.
    stream = conn.streams.get(node.handle)
    fresh = stream is None or store.get(stream.stream_id) is not stream
    if stream is None or fresh:
        stream = store.open(
            conn.address, node.handle, node.uuid, name=node.name, mode=mode, capacity=capacity
        )
    stream.mode = mode
    callback: Callable[[Any, bytearray], None] = stream.on_notify
    try:
        async with conn.operation(f"subscribing to {node.label} (0x{node.handle:04X})"):
            await conn.client.start_notify(_bleak_char(conn, node), callback, indicate=use_indicate)
    except BaseException:
        if fresh:
            # Refused (e.g. the CCCD needs pairing): no stream was ever live, so none stays
            # behind as an empty "closed" row.
            store.remove(stream.stream_id)
        raise
    stream.active = True
    conn.streams[node.handle] = stream
    conn.subscribed[node.handle] = use_indicate
    return stream


async def unsubscribe(
    conn: DeviceConnection, store: StreamStore, spec: str | int | GattNode
) -> None:
    """Stop notifications; the stream's samples stay readable (marked inactive)."""
    node = spec if isinstance(spec, GattNode) else resolve(conn, spec)
    stream = conn.streams.pop(node.handle, None)
    conn.subscribed.pop(node.handle, None)
    if stream is not None:
        store.close(stream.stream_id)
    if conn.is_connected:
        async with conn.operation(f"unsubscribing from {node.label} (0x{node.handle:04X})"):
            await conn.client.stop_notify(_bleak_char(conn, node))
