"""The pairing models shared by the matrix, the lab, `blebench pair`, the bond store and the UI.

Pure data: no Bumble, no Textual. Field names of `to_json()` are a public contract (README,
"JSON output").
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Pairing = Literal["legacy", "secure-connections"]
Method = Literal["just-works", "numeric-comparison", "passkey-entry", "oob"]
Who = Literal["initiator", "responder", "both", "none"]
Side = Literal["initiator", "responder"]

# The spec's range for Maximum Encryption Key Size (Vol 3 Part H 3.5.1).
KEY_SIZE_MIN = 7
KEY_SIZE_MAX = 16

# The failure name of a pairing the peer never answered (no Pairing Failed, no reason).
NO_ANSWER = "Timeout"


class IoCapability(enum.Enum):
    """SMP IO capability (Vol 3 Part H 2.3.2); the value is the CLI name."""

    DISPLAY_ONLY = "display-only"
    DISPLAY_YES_NO = "display-yes-no"
    KEYBOARD_ONLY = "keyboard-only"
    NO_INPUT_NO_OUTPUT = "no-input-no-output"
    KEYBOARD_DISPLAY = "keyboard-display"

    @property
    def code(self) -> int:
        """The value carried in the Pairing Request/Response PDU."""
        return _IO_CODES[self]

    @property
    def label(self) -> str:
        return _IO_LABELS[self]

    @classmethod
    def from_name(cls, text: str) -> IoCapability:
        """Accept the CLI name, the enum name or the spec's CamelCase label."""
        key = text.strip().lower().replace("_", "-")
        for io in cls:
            if key in (io.value, io.label.lower(), io.name.lower().replace("_", "-")):
                return io
        names = ", ".join(io.value for io in cls)
        raise ValueError(f"unknown IO capability {text!r}: use one of {names}")

    @classmethod
    def from_code(cls, code: int) -> IoCapability:
        for io, value in _IO_CODES.items():
            if value == code:
                return io
        raise ValueError(f"IO capability code 0x{code:02X} is reserved")


_IO_CODES = {
    IoCapability.DISPLAY_ONLY: 0x00,
    IoCapability.DISPLAY_YES_NO: 0x01,
    IoCapability.KEYBOARD_ONLY: 0x02,
    IoCapability.NO_INPUT_NO_OUTPUT: 0x03,
    IoCapability.KEYBOARD_DISPLAY: 0x04,
}
_IO_LABELS = {
    IoCapability.DISPLAY_ONLY: "DisplayOnly",
    IoCapability.DISPLAY_YES_NO: "DisplayYesNo",
    IoCapability.KEYBOARD_ONLY: "KeyboardOnly",
    IoCapability.NO_INPUT_NO_OUTPUT: "NoInputNoOutput",
    IoCapability.KEYBOARD_DISPLAY: "KeyboardDisplay",
}


@dataclass(frozen=True, slots=True)
class PairingOptions:
    """What one side puts in its Pairing Request/Response, plus its local policies.

    `oob` is the OOB data flag: in legacy pairing "I have OOB data", in Secure
    Connections "I have the peer's OOB data". `min_key_size` is a policy (the smallest
    negotiated key this side accepts); `requires_mitm`, `sc_only` and `pairable` are
    policies too: they never change the method the spec selects, only whether it is
    accepted.
    """

    io: IoCapability = IoCapability.NO_INPUT_NO_OUTPUT
    mitm: bool = False
    sc: bool = True
    oob: bool = False
    bonding: bool = True
    keypress: bool = False
    min_key_size: int = KEY_SIZE_MIN
    max_key_size: int = KEY_SIZE_MAX
    requires_mitm: bool = False
    sc_only: bool = False
    pairable: bool = True

    def __post_init__(self) -> None:
        for name in ("min_key_size", "max_key_size"):
            value = getattr(self, name)
            if not KEY_SIZE_MIN <= value <= KEY_SIZE_MAX:
                raise ValueError(
                    f"{name.replace('_', ' ')} {value} is outside {KEY_SIZE_MIN}..{KEY_SIZE_MAX} bytes"
                )
        if self.min_key_size > self.max_key_size:
            raise ValueError(
                f"min key size {self.min_key_size} is above max key size {self.max_key_size}"
            )

    def with_(self, **changes: Any) -> PairingOptions:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "io": self.io.value,
            "mitm": self.mitm,
            "sc": self.sc,
            "oob": self.oob,
            "bonding": self.bonding,
            "keypress": self.keypress,
            "min_key_size": self.min_key_size,
            "max_key_size": self.max_key_size,
            "requires_mitm": self.requires_mitm,
            "sc_only": self.sc_only,
            "pairable": self.pairable,
        }

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> PairingOptions:
        """The inverse of `to_json()`; missing keys take the defaults. Raises ValueError."""
        defaults = cls()
        flags = {
            name: bool(record.get(name, getattr(defaults, name)))
            for name in ("mitm", "sc", "oob", "bonding", "keypress", "requires_mitm",
                         "sc_only", "pairable")
        }
        try:
            min_key_size = int(record.get("min_key_size", defaults.min_key_size))
            max_key_size = int(record.get("max_key_size", defaults.max_key_size))
        except (TypeError, ValueError) as err:
            raise ValueError(f"bad key size in pairing options: {err}") from None
        io = IoCapability.from_name(str(record.get("io", defaults.io.value)))
        return replace(defaults, io=io, min_key_size=min_key_size, max_key_size=max_key_size,
                       **flags)

    def describe(self) -> str:
        """One short line: `KeyboardDisplay, MITM, SC, bonding`."""
        flags = [self.io.label]
        flags += [name for name, on in (("MITM", self.mitm), ("SC", self.sc), ("OOB", self.oob),
                                        ("bonding", self.bonding), ("keypress", self.keypress)) if on]
        if (self.min_key_size, self.max_key_size) != (KEY_SIZE_MIN, KEY_SIZE_MAX):
            flags.append(f"key {self.min_key_size}..{self.max_key_size}")
        flags += [name for name, on in (("requires MITM", self.requires_mitm),
                                        ("SC only", self.sc_only),
                                        ("not pairable", not self.pairable)) if on]
        return ", ".join(flags)


@dataclass(frozen=True, slots=True)
class PairingFailure:
    """Why pairing fails: the SMP Pairing Failed reason, who sends it, one sentence of why."""

    code: int
    name: str
    why: str
    by: Side | None = None
    declined: bool = False  # this side's user said no at a prompt (not the peer's refusal)

    @property
    def no_answer(self) -> bool:
        """The peer stopped answering: nobody refused (`by` is None, no reason code)."""
        return self.code == 0 and self.name == NO_ANSWER

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "why": self.why, "by": self.by}


@dataclass(frozen=True, slots=True)
class PairingOutcome:
    """What a pairing gives (predicted by the matrix, or observed in the lab / on air).

    `method` is always the method the spec's selection gives; a policy that makes the
    pairing fail is reported in `failure`, and then the link stays at security level 1.
    """

    pairing: Pairing
    method: Method
    passkey_display: Who
    passkey_input: Who
    authenticated: bool
    security_level: int
    key_size: int
    bonded: bool
    keypress: bool = False
    failure: PairingFailure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def sc(self) -> bool:
        return self.pairing == "secure-connections"

    def to_json(self) -> dict[str, Any]:
        return {
            "pairing": self.pairing,
            "method": self.method,
            "passkey_display": self.passkey_display,
            "passkey_input": self.passkey_input,
            "authenticated": self.authenticated,
            "security_level": self.security_level,
            "key_size": self.key_size,
            "bonded": self.bonded,
            "keypress": self.keypress,
            "ok": self.ok,
            "failure": self.failure.to_json() if self.failure else None,
        }

    def summary(self) -> str:
        kind = "LE Secure Connections" if self.sc else "LE legacy pairing"
        text = f"{kind}, {self.method.replace('-', ' ')}"
        if self.method == "passkey-entry":
            text += f" ({_who_text(self.passkey_display)} shows, {_who_text(self.passkey_input)} types)"
        elif self.method == "numeric-comparison":
            text += " (both show a number and confirm)"
        if self.failure and self.failure.no_answer:
            return f"{text}: FAILS, the device did not answer ({self.failure.name})"
        if self.failure:
            by = f" by the {self.failure.by}" if self.failure.by else ""
            return f"{text}: FAILS{by} with 0x{self.failure.code:02X} {self.failure.name}"
        auth = "authenticated" if self.authenticated else "unauthenticated"
        bonded = ", bonded" if self.bonded else ", not bonded"
        return f"{text}: {auth}, security level {self.security_level}, key {self.key_size} bytes{bonded}"


def _who_text(who: Who) -> str:
    return {"initiator": "the initiator", "responder": "the responder",
            "both": "both", "none": "neither"}[who]


def security_level(*, encrypted: bool, authenticated: bool, sc: bool, key_size: int) -> int:
    """LE security mode 1 level (Vol 3 Part C 10.2.1): 4 needs SC, MITM and a 128-bit key."""
    if not encrypted:
        return 1
    if not authenticated:
        return 2
    if sc and key_size == KEY_SIZE_MAX:
        return 4
    return 3


class _Secret(bytes):
    """Key bytes that never show in repr or str (logs, tracebacks, f-strings)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<secret {len(self)} bytes>"

    __str__ = __repr__


@dataclass(slots=True)
class KeyMaterial:
    """One distributed key. `value` never appears in repr."""

    value: bytes = field(repr=False)
    authenticated: bool = False
    ediv: int | None = None
    rand: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.value = _Secret(self.value)
        if self.rand is not None:
            self.rand = _Secret(self.rand)

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"value": bytes(self.value).hex(), "authenticated": self.authenticated}
        if self.ediv is not None:
            record["ediv"] = self.ediv
        if self.rand is not None:
            record["rand"] = bytes(self.rand).hex()
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> KeyMaterial:
        rand = record.get("rand")
        ediv = record.get("ediv")
        return cls(
            value=bytes.fromhex(str(record["value"])),
            authenticated=bool(record.get("authenticated", False)),
            ediv=int(ediv) if ediv is not None else None,
            rand=bytes.fromhex(str(rand)) if rand is not None else None,
        )


KEY_NAMES = ("ltk", "ltk_central", "ltk_peripheral", "irk", "csrk", "link_key")


@dataclass(slots=True)
class BondKeys:
    """The keys of one bond (Bumble's PairingKeys shape). Secret: no repr of values."""

    ltk: KeyMaterial | None = None
    ltk_central: KeyMaterial | None = None
    ltk_peripheral: KeyMaterial | None = None
    irk: KeyMaterial | None = None
    csrk: KeyMaterial | None = None
    link_key: KeyMaterial | None = None
    address_type: int | None = None

    def __repr__(self) -> str:
        present = [name for name in KEY_NAMES if getattr(self, name) is not None]
        return f"BondKeys(present={present})"

    @property
    def has_ltk(self) -> bool:
        return any(getattr(self, n) is not None for n in ("ltk", "ltk_central", "ltk_peripheral"))

    @property
    def has_irk(self) -> bool:
        return self.irk is not None

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {}
        if self.address_type is not None:
            record["address_type"] = self.address_type
        for name in KEY_NAMES:
            key = getattr(self, name)
            if key is not None:
                record[name] = key.to_record()
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> BondKeys:
        keys = cls(address_type=record.get("address_type"))
        for name in KEY_NAMES:
            if isinstance(record.get(name), dict):
                setattr(keys, name, KeyMaterial.from_record(record[name]))
        return keys


AddressType = Literal["public", "random"]


@dataclass(slots=True)
class Bond:
    """A peer we bonded with. `keys` is secret: never in repr, `to_json()` or logs."""

    address: str  # the identity address when the peer gave one, else the address it used
    address_type: AddressType = "random"
    identity_address: str | None = None
    name: str | None = None
    authenticated: bool = False
    sc: bool = False
    key_size: int = KEY_SIZE_MAX
    created: str = ""  # ISO 8601, UTC
    last_used: str = ""
    local_address: str | None = None  # which of our identities holds the bond
    keys: BondKeys = field(default_factory=BondKeys, repr=False)
    # The options we paired with: a stale bond is paired again with the same ones.
    options: PairingOptions | None = None

    @property
    def has_ltk(self) -> bool:
        return self.keys.has_ltk

    @property
    def has_irk(self) -> bool:
        return self.keys.has_irk

    def to_json(self) -> dict[str, Any]:
        """The public view: which keys exist, never their values."""
        return {
            "address": self.address,
            "address_type": self.address_type,
            "identity_address": self.identity_address,
            "name": self.name,
            "authenticated": self.authenticated,
            "sc": self.sc,
            "key_size": self.key_size,
            "ltk": self.has_ltk,
            "irk": self.has_irk,
            "created": self.created,
            "last_used": self.last_used,
            "local_address": self.local_address,
            "options": self.options.to_json() if self.options is not None else None,
        }

    def to_record(self) -> dict[str, Any]:
        """What the bond file holds: the public view plus the keys."""
        record = self.to_json()
        del record["ltk"], record["irk"]
        record["keys"] = self.keys.to_record()
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Bond:
        address_type = record.get("address_type", "random")
        if address_type not in ("public", "random"):
            raise ValueError(f"bad address_type {address_type!r}")
        keys = record.get("keys") or {}
        if not isinstance(keys, dict):
            raise ValueError("keys is not an object")
        options = record.get("options")
        if options is not None and not isinstance(options, dict):
            raise ValueError("options is not an object")
        return cls(
            address=str(record["address"]).upper(),
            address_type=address_type,
            identity_address=_opt_str(record.get("identity_address")),
            name=_opt_str(record.get("name")),
            authenticated=bool(record.get("authenticated", False)),
            sc=bool(record.get("sc", False)),
            key_size=int(record.get("key_size", KEY_SIZE_MAX)),
            created=str(record.get("created", "")),
            last_used=str(record.get("last_used", "")),
            local_address=_opt_str(record.get("local_address")),
            keys=BondKeys.from_record(keys),
            options=PairingOptions.from_json(options) if options is not None else None,
        )


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)
