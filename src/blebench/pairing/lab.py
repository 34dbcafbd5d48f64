"""The pairing lab's results: the PDU ladder, predicted against observed, and the lab's
option syntax. Pure data (the lab itself, two Bumble devices, runs in `blebench.stack.lab`).

Field names of `to_json()` are a public contract (`blebench lab --json`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from blebench.pairing.models import IoCapability, PairingOptions, PairingOutcome, Side

_COMPARED = ("pairing", "method", "passkey_display", "passkey_input", "authenticated",
             "security_level", "key_size", "bonded", "keypress")


@dataclass(slots=True)
class LadderStep:
    """One rung: an SMP PDU (`initiator -> responder` or back) or a link event."""

    sender: Side | None  # None: a link event (encryption), not a PDU
    pdu: str
    fields: dict[str, Any] = field(default_factory=dict)
    ms: float = 0.0  # since the Pairing Request

    def to_json(self) -> dict[str, Any]:
        return {"from": self.sender, "pdu": self.pdu, "fields": self.fields, "ms": round(self.ms, 2)}


class LadderWatcher(Protocol):
    """A pairing delegate that also wants the live ladder of a real pairing attempt: each
    step (the PDUs this side sent and the peer actually sent, the encryption change) as it
    happens. The stack calls `ladder_step` when the delegate has one."""

    def ladder_step(self, step: LadderStep) -> None: ...


@dataclass(slots=True)
class LabResult:
    initiator: PairingOptions
    responder: PairingOptions
    predicted: PairingOutcome
    observed: PairingOutcome
    ladder: list[LadderStep]
    prompts: dict[str, list[tuple[str, object]]]
    differences: list[str]
    seconds: float

    @property
    def agree(self) -> bool:
        return not self.differences

    def to_json(self) -> dict[str, Any]:
        return {
            "initiator": self.initiator.to_json(),
            "responder": self.responder.to_json(),
            "predicted": self.predicted.to_json(),
            "observed": self.observed.to_json(),
            "agree": self.agree,
            "differences": self.differences,
            "ladder": [step.to_json() for step in self.ladder],
            "prompts": {side: [{"prompt": p, "value": v} for p, v in events]
                        for side, events in self.prompts.items()},
            "seconds": round(self.seconds, 3),
        }


def compare(predicted: PairingOutcome, observed: PairingOutcome) -> list[str]:
    """Each way the observation differs from the prediction, in words."""
    differences = []
    if (predicted.failure is None) != (observed.failure is None):
        p = f"0x{predicted.failure.code:02X} {predicted.failure.name}" if predicted.failure else "success"
        o = f"0x{observed.failure.code:02X} {observed.failure.name}" if observed.failure else "success"
        differences.append(f"result: predicted {p}, observed {o}")
    elif predicted.failure is not None and observed.failure is not None:
        if (predicted.failure.code, predicted.failure.by) != (observed.failure.code, observed.failure.by):
            differences.append(
                f"failure: predicted 0x{predicted.failure.code:02X} by the {predicted.failure.by}, "
                f"observed 0x{observed.failure.code:02X} by the {observed.failure.by}")
    for name in _COMPARED:
        if predicted.failure is not None and name in ("passkey_display", "passkey_input"):
            continue  # nobody is asked when pairing is refused at the request
        p, o = getattr(predicted, name), getattr(observed, name)
        if p != o:
            differences.append(f"{name}: predicted {p}, observed {o}")
    return differences


def parse_side(text: str) -> PairingOptions:
    """`io=keyboard-display,mitm,sc,bond,oob,keypress,max-key=16,min-key=7,requires-mitm,
    sc-only,not-pairable` (any order; `no-X` clears a flag; SC and bonding are on unless
    `no-sc` / `no-bond`). Raises ValueError with the reason."""
    changes: dict[str, Any] = {"sc": True, "bonding": True}
    names = {"mitm": "mitm", "sc": "sc", "oob": "oob", "bond": "bonding", "bonding": "bonding",
             "keypress": "keypress", "requires-mitm": "requires_mitm", "sc-only": "sc_only"}
    for raw in text.split(","):
        item = raw.strip().lower()
        if not item:
            continue
        key, _, value = item.partition("=")
        if key == "io":
            changes["io"] = IoCapability.from_name(value)
        elif key in ("max-key", "max-key-size", "min-key", "min-key-size"):
            try:
                size = int(value)
            except ValueError:
                raise ValueError(f"{key} needs a number of bytes, not {value!r}") from None
            changes["max_key_size" if key.startswith("max") else "min_key_size"] = size
        elif value:
            raise ValueError(f"{key!r} takes no value")
        elif key == "not-pairable":
            changes["pairable"] = False
        elif key in names:
            changes[names[key]] = True
        elif key.startswith("no-") and key[3:] in names:
            changes[names[key[3:]]] = False
        else:
            try:
                changes["io"] = IoCapability.from_name(key)  # a bare IO name is fine too
            except ValueError:
                raise ValueError(
                    f"unknown lab option {key!r}: use io=IO, mitm, sc, oob, bond, keypress, "
                    "max-key=N, min-key=N, requires-mitm, sc-only, not-pairable, or no-X"
                ) from None
    return PairingOptions(**changes)
