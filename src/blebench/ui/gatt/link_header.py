"""The GATT pane's header: the device, its security and its link, fitted to a width.

Pure (plain data in, a rich Text out) so that it is tested without an App. The header is
two groups, each starting on its own line: the device (name, address, which link of
several, security) and the link (interval, latency, supervision timeout, PHY tx/rx, data
length, ATT MTU). Each part has forms from the whole words to a few cells; `header_text`
takes the longest forms with which the header fits `width` cells in `max_lines` lines (4),
then drops the parts a firmware developer misses least (latency, timeout, the link's
position) and at last cuts a line too long with "…"; the ATT MTU and the security are
never dropped. At 160 columns the header gets 70 cells and
says everything in words; at 80 columns it gets 30 and keeps every value but the least
needed, abbreviated.

Untrusted text (the device's name) comes in as the Text the pane made of it (safe_text):
nothing here reads markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.text import Text

from blebench.session.models import ConnectionInfo

# The PHY names of the session's link state ("1m", ...) as the header says them.
PHY_LABELS = {"1m": "1M", "2m": "2M", "coded-s2": "Coded S2", "coded-s8": "Coded S8"}

# The levels header_text tries, from the whole words down; each names the parts dropped.
_DROPPED: tuple[frozenset[str], ...] = (
    frozenset(),
    frozenset(),
    frozenset(),
    frozenset({"latency"}),
    frozenset({"latency", "timeout"}),
    frozenset({"latency", "timeout", "position", "os"}),
)
_FORM_OF_LEVEL = (0, 1, 2, 2, 2, 2)  # the form each level uses (a part's last when it has fewer)


@dataclass(frozen=True, slots=True)
class Part:
    """One item of the header in its forms, longest first ("" drops it at that form)."""

    name: str
    forms: tuple[str, ...]
    style: str = ""

    def form(self, level: int) -> str:
        return self.forms[min(_FORM_OF_LEVEL[level], len(self.forms) - 1)]


@dataclass(frozen=True, slots=True)
class LinkValues:
    """What the header says of a link; None where the stack has not said it."""

    interval_ms: float | None = None
    latency: int | None = None
    timeout_ms: float | None = None
    tx_phy: str | None = None
    rx_phy: str | None = None
    tx_octets: int | None = None
    rx_octets: int | None = None
    mtu: int | None = None
    control: bool = True  # False: the OS stack, which says only some of them

    @classmethod
    def of(cls, link: dict[str, Any] | None, connection: ConnectionInfo) -> LinkValues:
        """From `SessionApi.link_state` (None on the OS stack: then what the connection's
        info knows)."""
        if link is None:
            return cls(
                interval_ms=connection.interval_ms,
                latency=connection.latency,
                timeout_ms=connection.supervision_timeout_ms,
                tx_phy=connection.tx_phy,
                rx_phy=connection.rx_phy,
                mtu=connection.mtu,
                control=False,
            )
        return cls.of_state(link, connection.mtu)

    @classmethod
    def of_state(cls, link: dict[str, Any], mtu: int | None = None) -> LinkValues:
        """From `SessionApi.link_state`'s dict (`mtu`: when it does not say one)."""
        return cls(
            interval_ms=link.get("interval_ms"),
            latency=link.get("latency"),
            timeout_ms=link.get("supervision_timeout_ms"),
            tx_phy=link.get("tx_phy"),
            rx_phy=link.get("rx_phy"),
            tx_octets=link.get("tx_octets"),
            rx_octets=link.get("rx_octets"),
            mtu=link.get("mtu", mtu),
        )


def security_words(connection: ConnectionInfo) -> tuple[str, str]:
    """The link's security for the header, and its style: `🔒 encrypted, level 4 (SC,
    authenticated), key 16 bytes`, or `not encrypted (level 1)`."""
    if connection.encrypted is None:
        return "security unknown", "dim"
    if not connection.encrypted:
        return "not encrypted (level 1)", "yellow"
    level = security_level(connection)
    authenticated = bool(connection.authenticated)
    sc = bool(connection.secure_connections)
    how = ", ".join(("SC" if sc else "legacy", "authenticated" if authenticated else "unauthenticated"))
    size = connection.encryption_key_size
    key = f", key {size} bytes" if size else ""
    return f"🔒 encrypted, level {level} ({how}){key}", "green"


def security_level(connection: ConnectionInfo) -> int:
    """LE security mode 1 level (Core Vol 3 Part C 10.2.1): 4 is authenticated LE Secure
    Connections with a 128-bit key; 3 authenticated; 2 encrypted; 1 not encrypted."""
    if not connection.encrypted:
        return 1
    authenticated = bool(connection.authenticated)
    sc = bool(connection.secure_connections)
    size = connection.encryption_key_size
    return 4 if authenticated and sc and size in (None, 16) else 3 if authenticated else 2


def _security(connection: ConnectionInfo) -> Part:
    words, style = security_words(connection)
    if connection.encrypted is None:
        return Part("security", (words, "security ?"), style)
    if not connection.encrypted:
        return Part("security", (words, "not encrypted"), style)
    level = security_level(connection)
    size = connection.encryption_key_size
    key = f", key {size}" if size else ""
    return Part("security", (words, f"🔒 level {level}{key}", f"🔒 L{level}"), style)


def _ms(value: float) -> str:
    return f"{value:g} ms"


def _seconds(value_ms: float) -> str:
    return f"{value_ms / 1000:g} s"


def _phy(value: str) -> str:
    return PHY_LABELS.get(value, value)


def link_parts(link: LinkValues) -> list[Part]:
    """The link's parts, in the order the header says them."""
    parts: list[Part] = []
    if link.interval_ms is not None:
        interval = _ms(link.interval_ms)
        parts.append(Part("interval", (f"interval {interval}", f"interval {interval}", interval)))
    if link.latency is not None:
        parts.append(Part("latency", (f"latency {link.latency}", f"latency {link.latency}",
                                      f"lat {link.latency}")))
    if link.timeout_ms is not None:
        parts.append(Part("timeout", (f"timeout {_ms(link.timeout_ms)}",
                                      f"timeout {_seconds(link.timeout_ms)}",
                                      f"t/o {_seconds(link.timeout_ms)}")))
    if link.tx_phy is not None:
        tx, rx = _phy(link.tx_phy), _phy(link.rx_phy or link.tx_phy)
        both = tx if tx == rx else f"{tx}/{rx}"
        parts.append(Part("phy", (f"PHY tx {tx} / rx {rx}", f"PHY {tx}/{rx}", both)))
    if link.tx_octets is not None:
        out, into = link.tx_octets, link.rx_octets if link.rx_octets is not None else "?"
        both = f"DL {out}" if out == into else f"DL {out}/{into}"
        parts.append(Part("data_length", (f"data length {out} out / {into} in",
                                          f"DL {out}/{into}", both)))
    if link.mtu is not None:
        parts.append(Part("mtu", (f"MTU {link.mtu}",)))
    if not link.control:
        parts.append(Part("os", ("the OS stack says no more of the link", "OS stack: no more"),
                          "dim"))
    return parts


def _lines(
    groups: Sequence[Sequence[tuple[Text, str]]], width: int, separators: tuple[str, str]
) -> list[Text]:
    """Each group's items packed greedily into lines of `width` cells, each group from a
    new line (the first item of a group may be a Text already, as the device label)."""
    lines: list[Text] = []
    for group, separator in zip(groups, separators, strict=True):
        line: Text | None = None
        for text, _name in group:
            if not text.plain:
                continue
            if line is None:
                line = text.copy()
            elif cell_len(line.plain) + len(separator) + cell_len(text.plain) <= width:
                line.append(separator)
                line.append_text(text)
            else:
                lines.append(line)
                line = text.copy()
        if line is not None:
            lines.append(line)
    return lines


def header_text(
    device: Text,
    connection: ConnectionInfo,
    link: LinkValues,
    width: int,
    *,
    position: tuple[int, int] | None = None,
    max_lines: int = 4,
) -> Text:
    """The header in at most `max_lines` lines of `width` cells (see the module doc).
    `position`: (this link, of how many) when several devices are linked. `width` 0 or
    less: not laid out yet, the whole words on as many lines as they take."""
    if width <= 0:
        width = 10_000
    first = Text("⇄ ", style="bold")
    first.append_text(device)
    top: list[Part] = []
    if position is not None:
        where, count = position
        top.append(Part("position", (f"link {where} of {count}: ] next, [ previous",
                                     f"link {where} of {count}: ]", f"{where}/{count} ]"), "dim"))
    top.append(_security(connection))
    parts = link_parts(link)
    lines: list[Text] = []
    for level, dropped in enumerate(_DROPPED):
        head = [(first, "device")] + [
            (Text(part.form(level), style=part.style), part.name)
            for part in top if part.name not in dropped
        ]
        body = [(Text(part.form(level), style=part.style), part.name)
                for part in parts if part.name not in dropped]
        separators = ("   ", " · ") if level == 0 else ("  ", "  ")
        lines = _lines((head, body), width, separators)
        if len(lines) <= max_lines and all(cell_len(line.plain) <= width for line in lines):
            break
    for line in lines:
        if cell_len(line.plain) > width:
            line.truncate(width, overflow="ellipsis")
    # Still too many lines: all of them (a value is never cut off the header's end).
    return Text("\n").join(lines)
