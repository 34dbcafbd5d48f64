"""The pairing-option matrix: what two sides' SMP options give, exact to the Core spec.

Pure spec logic (no Bumble, no Textual). Sources, Core spec v5.4 Vol 3 Part H:
- 2.3.5.1 "Selecting key generation method": table 2.6 (legacy: OOB when both sides
  have OOB data, else Just Works when neither sets MITM, else the IO capabilities),
  table 2.7 (Secure Connections: OOB when either side has the peer's OOB data), table
  2.8 (IO capabilities to method);
- 2.3.4 key size: the smaller of the two Maximum Encryption Key Size values, refused
  (reason 0x06) by a side whose minimum is above it;
- Vol 3 Part C 10.2.1 for security levels, 10.2.4 for Secure Connections Only mode.

Policies (requires MITM, SC only, minimum key size, pairable) never change `method`:
they add a `failure`. The responder checks its policies when the Pairing Request
arrives, so its refusal comes first; then the initiator, when the Pairing Response
arrives. Per side the order is: pairable (0x05), SC only vs legacy (0x03), MITM vs an
unauthenticated method (0x03), key size (0x06).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from blebench.decode.codes import smp_error
from blebench.pairing.models import (
    KEY_SIZE_MAX,
    IoCapability,
    Method,
    PairingFailure,
    PairingOptions,
    PairingOutcome,
    Side,
    Who,
    security_level,
)

# SMP Pairing Failed reasons the policies produce (Vol 3 Part H 3.5.5, table 3.7); their
# names are decode.codes.smp_error's (Bumble's bumble.smp.ErrorCode).
AUTHENTICATION_REQUIREMENTS = 0x03
PAIRING_NOT_SUPPORTED = 0x05
ENCRYPTION_KEY_SIZE = 0x06

_DO = IoCapability.DISPLAY_ONLY
_DYN = IoCapability.DISPLAY_YES_NO
_KO = IoCapability.KEYBOARD_ONLY
_NIO = IoCapability.NO_INPUT_NO_OUTPUT
_KD = IoCapability.KEYBOARD_DISPLAY


@dataclass(frozen=True, slots=True)
class _Cell:
    """One cell of table 2.8. For passkey entry: who displays; the other side(s) type."""

    legacy: Method
    sc: Method
    display: Who = "none"


_JW = _Cell("just-works", "just-works")
_PK_R = _Cell("passkey-entry", "passkey-entry", "responder")  # responder displays, initiator types
_PK_I = _Cell("passkey-entry", "passkey-entry", "initiator")  # initiator displays, responder types
_PK_NONE = _Cell("passkey-entry", "passkey-entry", "none")  # both type
_JW_NC = _Cell("just-works", "numeric-comparison")
_PK_R_NC = _Cell("passkey-entry", "numeric-comparison", "responder")
_PK_I_NC = _Cell("passkey-entry", "numeric-comparison", "initiator")

# Table 2.8, written as the spec prints it: one row per RESPONDER capability, one
# column per INITIATOR capability, in the order DO, DYN, KO, NIO, KD.
_TABLE_2_8: dict[IoCapability, tuple[_Cell, _Cell, _Cell, _Cell, _Cell]] = {
    _DO: (_JW, _JW, _PK_R, _JW, _PK_R),
    _DYN: (_JW, _JW_NC, _PK_R, _JW, _PK_R_NC),
    _KO: (_PK_I, _PK_I, _PK_NONE, _JW, _PK_I),
    _NIO: (_JW, _JW, _JW, _JW, _JW),
    _KD: (_PK_I, _PK_I_NC, _PK_R, _JW, _PK_I_NC),
}
_COLUMNS = (_DO, _DYN, _KO, _NIO, _KD)


# Who types the passkey, given who displays it.
_TYPIST: dict[Who, Who] = {"initiator": "responder", "responder": "initiator", "none": "both"}


def _cell(initiator: IoCapability, responder: IoCapability) -> _Cell:
    return _TABLE_2_8[responder][_COLUMNS.index(initiator)]


def predict(initiator: PairingOptions, responder: PairingOptions) -> PairingOutcome:
    """The outcome of pairing `initiator` (central, sends the Pairing Request) with `responder`."""
    return _decide(initiator, responder, None)


def explain_steps(initiator: PairingOptions, responder: PairingOptions) -> list[str]:
    """The decision of `predict` in words, one step a line, ending with the outcome."""
    steps: list[str] = []
    outcome = _decide(initiator, responder, steps)
    steps.append(f"Outcome: {outcome.summary()}.")
    return steps


def _decide(i: PairingOptions, r: PairingOptions, steps: list[str] | None) -> PairingOutcome:
    def say(text: str) -> None:
        if steps is not None:
            steps.append(text)

    say(f"Initiator: {i.describe()}.")
    say(f"Responder: {r.describe()}.")

    # Secure Connections only when both set the SC flag (2.3.5.1).
    sc = i.sc and r.sc
    if sc:
        say("Both set the SC flag: LE Secure Connections pairing (table 2.7 applies).")
    else:
        who = _neither_or_one(i.sc, r.sc, "set the SC flag")
        say(f"{who}: LE legacy pairing (table 2.6 applies).")

    display: Who = "none"
    typing: Who = "none"
    method: Method
    if sc and (i.oob or r.oob):
        method = "oob"
        holder = "both have" if i.oob and r.oob else ("the initiator has" if i.oob else "the responder has")
        say(f"OOB data flag: {holder} the peer's OOB data; with SC one side is enough: "
            "Out of Band, the MITM flags are ignored.")
    elif not sc and i.oob and r.oob:
        method = "oob"
        say("Both set the OOB data flag: legacy Out of Band, the MITM flags are ignored.")
    else:
        if i.oob or r.oob:
            side = "initiator" if i.oob else "responder"
            say(f"Only the {side} set the OOB data flag: legacy OOB needs both, so OOB is not used.")
        if not (i.mitm or r.mitm):
            method = "just-works"
            say("Neither sets the MITM flag: the IO capabilities are ignored, Just Works.")
        else:
            setter = "both set" if i.mitm and r.mitm else ("the initiator sets" if i.mitm else "the responder sets")
            cell = _cell(i.io, r.io)
            method = cell.sc if sc else cell.legacy
            say(f"MITM: {setter} it, so the IO capabilities decide (table 2.8): "
                f"initiator {i.io.label}, responder {r.io.label} -> {method.replace('-', ' ')}.")
            if method == "passkey-entry":
                display = cell.display
                typing = _TYPIST[cell.display]
                if display == "none":
                    say("Both only have keyboards: the same passkey is typed on both sides.")
                else:
                    say(f"The {display} shows a 6-digit passkey; the {typing} types it.")
            elif method == "numeric-comparison":
                display = "both"
                say("Both show the same 6-digit number and the user confirms on each side.")
            elif method == "just-works" and cell.sc != cell.legacy and not sc:
                say("With SC this pair would use numeric comparison; legacy pairing has none.")

    authenticated = method != "just-works"
    say("Just Works gives no MITM protection: the key is unauthenticated."
        if not authenticated else f"{method.replace('-', ' ').capitalize()} protects against MITM: "
        "the key is authenticated.")

    key_size = min(i.max_key_size, r.max_key_size)
    say(f"Key size: the smaller maximum, min({i.max_key_size}, {r.max_key_size}) = {key_size} bytes.")
    keypress = method == "passkey-entry" and i.keypress and r.keypress
    if method == "passkey-entry" and (i.keypress or r.keypress):
        say("Keypress notifications: used." if keypress else
            "Keypress notifications: only one side asks for them, so none are sent.")

    failure = policy_failure("responder", r, sc, authenticated, key_size)
    if failure is None:
        failure = policy_failure("initiator", i, sc, authenticated, key_size)
    bonded = i.bonding and r.bonding
    if failure is not None:
        say(f"The {failure.by} refuses: 0x{failure.code:02X} {failure.name}. {failure.why}")
        return PairingOutcome(
            pairing="secure-connections" if sc else "legacy", method=method,
            passkey_display=display, passkey_input=typing, authenticated=False,
            security_level=1, key_size=key_size, bonded=False, keypress=keypress,
            failure=failure,
        )
    if bonded:
        say("Both set the bonding flag: keys are distributed and stored (bonded).")
    else:
        say(f"{_neither_or_one(i.bonding, r.bonding, 'set the bonding flag')}: "
            "keys are not stored, the next connection pairs again.")
    level = security_level(encrypted=True, authenticated=authenticated, sc=sc, key_size=key_size)
    say(_level_text(level))
    return PairingOutcome(
        pairing="secure-connections" if sc else "legacy", method=method,
        passkey_display=display, passkey_input=typing, authenticated=authenticated,
        security_level=level, key_size=key_size, bonded=bonded, keypress=keypress,
    )


def policy_failure(side: Side, o: PairingOptions, sc: bool, authenticated: bool,
                    key_size: int) -> PairingFailure | None:
    if not o.pairable:
        return _failure(PAIRING_NOT_SUPPORTED, side,
                        f"The {side} does not accept pairing (not pairable, or it keeps an "
                        "old bond and refuses to pair again).")
    if o.sc_only and not sc:
        return _failure(AUTHENTICATION_REQUIREMENTS, side,
                        f"The {side} is in Secure Connections Only mode and the peer did not "
                        "set the SC flag; legacy pairing is refused.")
    if (o.requires_mitm or o.sc_only) and not authenticated:
        rule = "is in Secure Connections Only mode, which needs" if o.sc_only else "requires"
        return _failure(AUTHENTICATION_REQUIREMENTS, side,
                        f"The {side} {rule} MITM protection, which Just Works cannot give; "
                        "set MITM and IO capabilities that allow passkey entry or numeric "
                        "comparison.")
    wanted = KEY_SIZE_MAX if o.sc_only else o.min_key_size
    if key_size < wanted:
        rule = "is in Secure Connections Only mode, which needs" if o.sc_only else "accepts no less than"
        return _failure(ENCRYPTION_KEY_SIZE, side,
                        f"The negotiated key is {key_size} bytes and the {side} {rule} "
                        f"{wanted} bytes.")
    return None


def _failure(code: int, side: Side, why: str) -> PairingFailure:
    return PairingFailure(code=code, name=smp_error(code).name, why=why, by=side)


def _neither_or_one(a: bool, b: bool, what: str) -> str:
    if not a and not b:
        return f"Neither side {what.replace('set ', 'sets ', 1)}"
    return f"Only the {'initiator' if a else 'responder'} {what.replace('set ', 'sets ', 1)}"


def _level_text(level: int) -> str:
    return {
        2: "Security level 2: encrypted, unauthenticated.",
        3: "Security level 3: encrypted and authenticated (level 4 needs SC and a 16-byte key).",
        4: "Security level 4: authenticated LE Secure Connections with a 128-bit key.",
    }[level]


def all_combinations(
    initiator_base: PairingOptions | None = None,
    responder_base: PairingOptions | None = None,
) -> Iterator[tuple[PairingOptions, PairingOptions]]:
    """Every IO x MITM x SC x OOB for each side (5*2*2*2 squared = 1,600 pairs).

    The other fields (bonding, key sizes, policies) come from the two bases.
    """
    ibase = initiator_base or PairingOptions()
    rbase = responder_base or PairingOptions()
    sides = list(itertools.product(IoCapability, (False, True), (False, True), (False, True)))
    for (iio, imitm, isc, ioob), (rio, rmitm, rsc, roob) in itertools.product(sides, sides):
        yield (
            ibase.with_(io=iio, mitm=imitm, sc=isc, oob=ioob),
            rbase.with_(io=rio, mitm=rmitm, sc=rsc, oob=roob),
        )


def row(initiator: PairingOptions, responder: PairingOptions) -> dict[str, dict[str, Any]]:
    """One row of `blebench matrix --json`."""
    return {
        "initiator": initiator.to_json(),
        "responder": responder.to_json(),
        "outcome": predict(initiator, responder).to_json(),
    }
