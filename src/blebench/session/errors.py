"""Every error the session raises, under the one root `blebench.errors.BlebenchError`.

`DeviceError` and its family (exit 1) are the device or the link failing; each carries the
code in words (`blebench.decode.codes`) and a next step, never a hang and never a traceback:

| error | JSON `error` | when |
| --- | --- | --- |
| `DeviceNotFoundError` | `device_not_found` | no device with that name / address was heard while scanning |
| `ConnectTimeoutError` | `connect_timeout` | no connection within the timeout (after the retries) |
| `ConnectFailedError` | `connect_failed` | the controller reported a failure (HCI code: refused, 0x3E, ...) |
| `ConnectionLostError` | `connection_lost` | the link dropped (HCI reason, e.g. 0x08 supervision timeout) mid-operation |
| `StaleBondError` | `stale_bond` | the stored bond did not encrypt the link: the device forgot or reset its keys |
| `GattOperationError` | `att_error` | the peer answered with an ATT error (0x05 Insufficient Authentication, ...) |
| `OperationTimeoutError` | `timeout` | the peer did not answer an operation in time |
| `NotConnectedError` | `not_connected` | an operation on a connection that is not up |
| `PairingUnavailableError` | `pairing_unavailable` | this radio does not let blebench run SMP (exit 2) |
| `NoBondError` | `no_bond` | a re-pair of a device blebench has no bond with |
| `LinkRssiUnavailableError` | `rssi_unavailable` | the radio cannot read a connection's RSSI |
| `RadioLostError` | `radio_lost` | the radio went away while in use (its HCI transport closed) |

Bad input (exit 2, JSON `bad_input`): `TargetError` (a characteristic reference matching
nothing), `FilterError` (a stream or scan filter), `CaptureError` (a capture that cannot
start or stop). `SessionError` (exit 2) is a session that
cannot open its radio or scan. The JSON names are public contract.
"""

from __future__ import annotations

from typing import Any

from blebench.decode.codes import Explanation
from blebench.errors import BlebenchError, SetupError, UserInputError

__all__ = [
    "BlebenchError",
    "CaptureError",
    "ConnectFailedError",
    "ConnectTimeoutError",
    "ConnectionLostError",
    "DeviceError",
    "DeviceNotFoundError",
    "FilterError",
    "GattOperationError",
    "LinkRssiUnavailableError",
    "NoBondError",
    "RadioLostError",
    "NotConnectedError",
    "OperationTimeoutError",
    "PairingUnavailableError",
    "SessionError",
    "SetupError",
    "StaleBondError",
    "TargetError",
    "UserInputError",
]


class DeviceError(BlebenchError):
    """A failure a user can act on: what happened, the code in words, what to do next."""

    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        explanation: Explanation | None = None,
        next_step: str | None = None,
    ) -> None:
        super().__init__(
            message, next_step=next_step or (explanation.next_step if explanation else None)
        )
        self.explanation = explanation

    @property
    def code(self) -> int | None:
        return self.explanation.code if self.explanation else None

    def __str__(self) -> str:
        text = self.message
        exp = self.explanation
        if exp is not None:
            text += f": {exp.name} ({exp.domain.upper()} 0x{exp.code:02X}). {exp.meaning}"
        return text

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out["code"] = self.explanation.to_json() if self.explanation else None
        return out


class DeviceNotFoundError(DeviceError):
    kind = "device_not_found"


class ConnectTimeoutError(DeviceError):
    kind = "connect_timeout"


class ConnectFailedError(DeviceError):
    kind = "connect_failed"


class ConnectionLostError(DeviceError):
    kind = "connection_lost"


class GattOperationError(DeviceError):
    kind = "att_error"

    # ATT errors that pairing cures: Insufficient Authentication, Authorization,
    # Encryption Key Size, Encryption (Core Vol 3 Part F 3.4.1.1).
    PAIRING_CURES = frozenset({0x05, 0x08, 0x0C, 0x0F})

    @property
    def pairing_would_help(self) -> bool:
        """Whether pairing (or encrypting with a bond) would let this operation through."""
        exp = self.explanation
        return exp is not None and exp.domain == "att" and exp.code in self.PAIRING_CURES


class StaleBondError(DeviceError):
    """Encrypting with the bond we kept failed (0x06 PIN or Key Missing, 0x3D MIC failure,
    ...): the device no longer has it. `SessionManager.repair()` deletes it and pairs again
    with the options of the first pairing (`blebench pair DEVICE --repair`)."""

    kind = "stale_bond"

    def __init__(
        self,
        label: str,
        *,
        address: str,
        identity_address: str | None,
        explanation: Explanation | None,
    ) -> None:
        super().__init__(
            f"{label}: the device no longer has the bond blebench kept; it forgot or reset "
            "its keys",
            explanation=explanation,
            next_step="delete the stale bond and pair again: `blebench pair DEVICE --repair` "
            "(the same pairing options as before); if you did not reset the device, make "
            "sure it is yours: another device may be using its address",
        )
        self.address = address
        self.identity_address = identity_address

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out["address"] = self.address
        out["identity_address"] = self.identity_address
        return out


class OperationTimeoutError(DeviceError):
    kind = "timeout"


class NotConnectedError(DeviceError):
    kind = "not_connected"

    def __init__(self, address: str, during: str) -> None:
        super().__init__(
            f"{during} needs a connection to {address}, and there is none",
            next_step=f"connect first (`blebench gatt {address}` connects for you)",
        )


class PairingUnavailableError(DeviceError):
    """This backend does not let blebench run SMP with chosen options (the OS stack pairs
    itself): the radio chosen cannot do what was asked, so exit 2, as a usage error."""

    kind = "pairing_unavailable"
    exit_code = 2


class NoBondError(DeviceError):
    """A re-pair was asked for a device blebench has no bond with."""

    kind = "no_bond"


class LinkRssiUnavailableError(DeviceError):
    """The backend (or the controller, at this moment) cannot give the link's RSSI."""

    kind = "rssi_unavailable"


class TargetError(UserInputError):
    """A characteristic / descriptor reference (UUID, short UUID, handle) that matches
    nothing, or more than one thing."""


class FilterError(UserInputError):
    """A filter (Streams log, `notify --filter`, Scan pane) that cannot be parsed; the
    message names the first bad character."""


class CaptureError(UserInputError):
    """A capture that cannot start (or stop): not on this radio, one already running, a
    path that is a folder; str() is one line for the user."""


class SessionError(SetupError):
    """A session that cannot do what was asked (no radio, cannot scan); str() is one line
    for the user."""

    kind = "radio_unavailable"


class RadioLostError(BlebenchError):
    """The radio went away while the session used it (its HCI transport closed): exit 1,
    like a device that went away; what was heard until then is still the session's."""

    kind = "radio_lost"
