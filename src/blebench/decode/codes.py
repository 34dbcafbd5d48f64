"""Error codes in words: what happened and what to try.

Names of the spec codes come from Bumble's tables (bumble.hci.HCI_ErrorCode,
bumble.att.ErrorCode, bumble.smp.ErrorCode); the one-line meaning and the next step are
ours. Stack numbers (NimBLE `rc`, ESP-IDF Bluedroid statuses) are mapped onto the spec
codes with the tables in `codes_stacks`.

Every function here is total: any int gives an Explanation (an "unknown" one when the
number is not defined), only an unknown domain raises ValueError.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from blebench.decode import codes_stacks as stacks

DOMAINS: tuple[str, ...] = ("hci", "att", "smp", "nimble", "esp")


@dataclass(frozen=True, slots=True)
class Explanation:
    domain: str
    code: int
    name: str
    meaning: str
    next_step: str
    symbol: str = ""  # the constant people paste or grep for, e.g. BLE_HS_ETIMEOUT
    known: bool = True  # False: the number is not defined in this domain

    def to_json(self) -> dict[str, object]:
        return {
            "domain": self.domain,
            "code": self.code,
            "hex": code_hex(self.code),
            "name": self.name,
            "symbol": self.symbol,
            "meaning": self.meaning,
            "next_step": self.next_step,
            "known": self.known,
        }


def code_hex(code: int) -> str:
    """A code as `blebench explain` writes it: 0x and at least two upper-case digits
    (negative ESP-IDF codes keep their sign)."""
    if code < 0:
        return f"-0x{-code:02X}"
    return f"0x{code:02X}" if code <= 0xFF else f"0x{code:03X}" if code <= 0xFFF else f"0x{code:X}"


def _body(expl: Explanation) -> str:
    """The meaning without its leading "Name: " (when it repeats the name), for quoting
    it after a name of our own."""
    head, sep, rest = expl.meaning.partition(": ")
    if sep and head.lower() == expl.name.lower():
        return rest
    return expl.meaning


# -- names from Bumble ----------------------------------------------------------------

_ACRONYMS = {
    "HCI": "HCI",
    "LMP": "LMP",
    "LL": "LL",
    "SCO": "SCO",
    "QOS": "QoS",
    "MIC": "MIC",
    "PDU": "PDU",
    "OOB": "OOB",
    "DHKEY": "DHKey",
    "CCCD": "CCCD",
    "EDR": "EDR",
    "BR": "BR",
    "ADDR": "ADDR",
    "BD": "BD",
    "SMP": "SMP",
    "TYPE0": "Type0",
}
_SMALL_WORDS = {
    "OR",
    "TO",
    "DUE",
    "OF",
    "BY",
    "IN",
    "A",
    "AND",
    "WITH",
    "BUT",
    "USING",
    "BE",
    "FOR",
}

# Bumble spellings that differ from the spec's names.
_NAME_FIXES = {
    ("smp", 0x0D): "BR/EDR Pairing in Progress",
    ("hci", 0x1F): "Unspecified Error",
    ("hci", 0x2B): "Reserved for Future Use",
}


def _title(enum_name: str) -> str:
    name = enum_name.removesuffix("_ERROR")
    words = [w for w in name.split("_") if w]
    out: list[str] = []
    for i, word in enumerate(words):
        if word in _ACRONYMS:
            out.append(_ACRONYMS[word])
        elif i > 0 and word in _SMALL_WORDS:
            out.append(word.lower())
        else:
            out.append(word.capitalize())
    return " ".join(out).replace("BD ADDR", "BD_ADDR")


@lru_cache(maxsize=1)
def _bumble_names() -> dict[str, dict[int, tuple[str, str]]]:
    """domain -> code -> (title, Bumble constant name)."""
    from bumble.att import ErrorCode as AttError
    from bumble.hci import HCI_ErrorCode
    from bumble.smp import ErrorCode as SmpError

    tables: dict[str, dict[int, tuple[str, str]]] = {}
    for domain, enum_cls, prefix in (
        ("hci", HCI_ErrorCode, "HCI_"),
        ("att", AttError, "ATT_"),
        ("smp", SmpError, "SMP_"),
    ):
        table: dict[int, tuple[str, str]] = {}
        for member in enum_cls:
            code = int(member)
            title = _NAME_FIXES.get((domain, code)) or _title(member.name)
            symbol = f"{prefix}{member.name}"
            if domain != "hci" and not symbol.endswith("_ERROR"):
                symbol += "_ERROR"  # Bumble's module-level constants, e.g. ATT_..._ERROR
            table[code] = (title, symbol)
        tables[domain] = table
    # Spec codes newer than Bumble 0.0.236's tables.
    tables["smp"].setdefault(0x0F, ("Key Rejected", "SMP_KEY_REJECTED_ERROR"))
    return tables


# -- our words: code -> (meaning, next step) -------------------------------------------

_HCI_TEXT: dict[int, tuple[str, str]] = {
    0x00: ("Success.", "Nothing to do."),
    0x01: (
        "The controller does not know this HCI command (an older Bluetooth version or a "
        "feature it lacks).",
        "Use a controller that supports the feature, or update its firmware.",
    ),
    0x02: (
        "The command named a connection that does not exist: the link is already gone.",
        "Reconnect before retrying; look for a disconnect that raced with the command.",
    ),
    0x03: (
        "The controller reported a hardware failure.",
        "Reset or re-plug the adapter; update its firmware if it repeats.",
    ),
    0x04: (
        "Page timeout: the peer did not answer the connection attempt in time.",
        "Make sure the peer is powered, in range and connectable.",
    ),
    0x05: (
        "Authentication failure: pairing or link encryption failed, usually because the "
        "two sides' keys do not match (one side lost the bond) or a passkey was wrong.",
        "Remove the bond on both sides and pair again.",
    ),
    0x06: (
        "PIN or key missing: the peer has no key for this link, it forgot the bond "
        "(reset, reflashed, or paired with someone else since).",
        "Delete the bond here (blebench bonds) and pair again; clear the peer's bonds too.",
    ),
    0x07: (
        "The controller ran out of memory.",
        "Use fewer simultaneous connections or advertising sets; reset the controller.",
    ),
    0x08: (
        "Connection timeout: the link was lost (no packet within the supervision "
        "timeout): out of range, interference, or the peer reset or hung.",
        "Move closer, check whether the peer rebooted (its logs, power), consider a "
        "longer supervision timeout.",
    ),
    0x09: (
        "The controller already has as many connections as it can hold.",
        "Disconnect another device, or raise the controller's connection limit.",
    ),
    0x0A: (
        "Too many synchronous (SCO) connections to the device (BR/EDR).",
        "Close other audio links first.",
    ),
    0x0B: (
        "A connection to this device already exists.",
        "Use the existing connection, or disconnect it first.",
    ),
    0x0C: (
        "Command disallowed: the controller refused it in its current state (for example "
        "setting advertising parameters while advertising, or scanning twice).",
        "Stop the running procedure first, then retry.",
    ),
    0x0D: (
        "The connection was rejected: the peer lacks resources.",
        "Retry later; disconnect the peer's other centrals.",
    ),
    0x0E: (
        "The connection was rejected for security reasons.",
        "Check the peer's security policy (bonded-only, allow list).",
    ),
    0x0F: (
        "The connection was rejected: the peer does not accept our address.",
        "Check the peer's allow list; use the identity address it knows.",
    ),
    0x10: (
        "Connection accept timeout: the host did not accept the connection in time.",
        "Check that the accepting side answers the connection request promptly.",
    ),
    0x11: (
        "A feature or parameter value is not supported (for example a PHY, data length "
        "or advertising option).",
        "Use default parameters; read the controller's supported features.",
    ),
    0x12: (
        "Invalid HCI command parameters: a value is out of range (interval, timeout, "
        "length, address type).",
        "Check the values against the spec ranges.",
    ),
    0x13: (
        "Remote User Terminated Connection: the peer closed the link on purpose: its "
        "application or user disconnected, or its stack dropped us (an idle timeout, or "
        "a security policy it did not like, such as our pairing settings).",
        "Look at the peer's side (logs, screen prompts). If it happens right after "
        "pairing or a protected read/write, the peer refused our security settings: try "
        "another IO capability, MITM or Secure Connections flag, bonding on. If it "
        "happens after a quiet while, the peer has an idle timeout.",
    ),
    0x14: (
        "The peer closed the link because it is low on resources.",
        "Retry later; the peer may serve too many connections.",
    ),
    0x15: (
        "The peer closed the link because it is powering off.",
        "Nothing to fix here; reconnect when it is back.",
    ),
    0x16: (
        "Connection Terminated By Local Host: our own side closed the link: the "
        "application asked for it, or this stack gave up on a procedure (an SMP or ATT "
        "transaction that timed out after 30 s).",
        "Check this side's logs for who disconnected and which procedure timed out just before.",
    ),
    0x17: (
        "Repeated attempts: too many failed pairing/authentication attempts.",
        "Wait before retrying; the wait grows after each failure.",
    ),
    0x18: (
        "Pairing is not allowed by the peer right now.",
        "Put the peer into pairing mode.",
    ),
    0x19: ("The peer sent an unknown link-manager PDU.", "Update the peer's firmware."),
    0x1A: (
        "Unsupported remote feature: the peer does not support a feature that was "
        "requested (for example data length extension, 2M PHY, LE ping).",
        "Do not request that feature with this peer.",
    ),
    0x1E: (
        "Invalid LMP/LL parameters: the peer sent link-layer parameters we refuse (for "
        "example a connection update out of range).",
        "Check the connection parameters both sides request.",
    ),
    0x1F: (
        "Unspecified error.",
        "Capture HCI traffic (--btsnoop) to see what preceded it.",
    ),
    0x20: (
        "An LMP/LL parameter value is not supported by the peer.",
        "Use default link-layer parameters.",
    ),
    0x21: ("Role change is not allowed.", "Do not request a role switch."),
    0x22: (
        "LMP/LL response timeout: the peer did not answer a link-layer procedure "
        "(encryption start, connection update) within 40 s.",
        "Often a peer firmware bug or a dying link: retry, and check the peer's firmware.",
    ),
    0x23: (
        "LL procedure collision: both sides started conflicting link-layer procedures at once.",
        "Retry; it is usually transient.",
    ),
    0x24: ("The LMP PDU is not allowed now.", "Retry; update the peer's firmware if it repeats."),
    0x25: (
        "The encryption mode is not acceptable to the peer.",
        "Check both sides' security settings.",
    ),
    0x26: ("The link key cannot be changed.", "Remove the bond and pair again."),
    0x27: ("The requested QoS is not supported.", "Use default parameters."),
    0x28: (
        "Instant passed: a connection update or channel map instant was missed, so the "
        "link was dropped.",
        "Usually radio conditions: retry and move closer.",
    ),
    0x29: ("Pairing with a unit key is not supported.", "Use a modern pairing method."),
    0x2A: (
        "Different transaction collision: conflicting procedures ran at once.",
        "Retry.",
    ),
    0x2F: (
        "Insufficient security for the requested operation.",
        "Pair with stronger security (MITM, Secure Connections).",
    ),
    0x30: ("A parameter is out of its mandatory range.", "Check the parameter ranges."),
    0x3A: ("The controller is busy.", "Retry after the running procedure finishes."),
    0x3B: (
        "Unacceptable connection parameters: the peer rejected the connection parameters "
        "we asked for.",
        "Request parameters inside the peer's preferred range (GAP characteristic 2A04).",
    ),
    0x3C: (
        "Advertising timeout: directed advertising ended, or the advertising duration "
        "elapsed without a connection.",
        "Advertise longer, or check that the central is scanning.",
    ),
    0x3D: (
        "Connection terminated due to MIC failure: an encrypted packet failed its "
        "integrity check: the two sides use different keys (a stale bond) or a packet was "
        "corrupted.",
        "Delete the bond on both sides and pair again; if it recurs, suspect interference "
        "or a stack bug.",
    ),
    0x3E: (
        "Connection failed to be established: the connect request went out but the first "
        "packets were never exchanged (the peer stopped advertising, moved away, or "
        "interference).",
        "Retry; move closer; make sure the peer still advertises connectable when you connect.",
    ),
    0x42: (
        "Unknown advertising identifier: no advertising set with that handle.",
        "Create the advertising set first.",
    ),
    0x43: (
        "A limit was reached (for example the advertising set's event count).",
        "Nothing to fix.",
    ),
    0x44: ("The host cancelled the operation.", "Nothing to fix."),
    0x45: ("The packet is too long for the controller.", "Send shorter data."),
}

_ATT_TEXT: dict[int, tuple[str, str]] = {
    0x01: (
        "Invalid handle: no attribute with this handle on the server (a stale GATT cache "
        "after the peer's firmware changed its database).",
        "Rediscover services (clear the GATT cache) and use the new handle.",
    ),
    0x02: (
        "Read not permitted: this attribute cannot be read.",
        "Check the characteristic's properties; if it is notify-only, subscribe instead.",
    ),
    0x03: (
        "Write not permitted: this attribute cannot be written.",
        "Check the characteristic's properties (write vs write without response).",
    ),
    0x04: (
        "Invalid PDU: the server could not parse the request.",
        "A client stack bug or a wrong length: capture the request.",
    ),
    0x05: (
        "Insufficient Authentication: the attribute needs a paired (authenticated) link.",
        "Pair first (with MITM if the attribute requires authenticated pairing), then "
        "retry the same read or write.",
    ),
    0x06: (
        "Request not supported by this server (for example Read Blob or prepared writes).",
        "Use a plain read/write, or a value that fits in one packet (MTU - 3).",
    ),
    0x07: (
        "Invalid offset for a long read or write.",
        "Check the offset against the value length.",
    ),
    0x08: (
        "Insufficient Authorization: the server's application refuses this access; "
        "pairing alone does not fix it.",
        "Do what the device's protocol requires first (a button press, a PIN or unlock "
        "write, an app-level login).",
    ),
    0x09: (
        "Prepare queue full: too many prepared writes are queued.",
        "Execute the queue sooner, or write in smaller batches.",
    ),
    0x0A: (
        "Attribute not found in the requested range; during discovery this just marks the end.",
        "Nothing to do during discovery; otherwise the handle/UUID does not exist.",
    ),
    0x0B: ("The attribute is not long: read blob was used on a short value.", "Use a normal read."),
    0x0C: (
        "Insufficient Encryption Key Size: the link's key is shorter than the attribute requires.",
        "Pair again with the maximum key size (16).",
    ),
    0x0D: (
        "Invalid attribute value length: the value has the wrong length for this attribute.",
        "Write exactly the length the characteristic expects (a CCCD takes 2 bytes); "
        "stay within MTU - 3.",
    ),
    0x0E: (
        "Unlikely error: the server failed the request for an unspecified reason.",
        "Retry; look at the server's logs.",
    ),
    0x0F: (
        "Insufficient Encryption: the attribute needs an encrypted link.",
        "Encrypt the link: pair, or re-encrypt with the existing bond, then retry.",
    ),
    0x10: (
        "Unsupported group type in a Read By Group Type request.",
        "Only primary/secondary service UUIDs can be grouped.",
    ),
    0x11: ("Insufficient resources on the server.", "Retry later; do fewer things at once."),
    0x12: (
        "Database out of sync: the server's GATT database changed since the client cached it.",
        "Rediscover services (or read the Database Hash) and retry.",
    ),
    0x13: ("Value not allowed by the server.", "Check the characteristic's allowed values."),
    0xFC: (
        "Write request rejected by the profile.",
        "Check the value against the profile's rules.",
    ),
    0xFD: (
        "CCCD improperly configured: the operation needs notifications or indications "
        "enabled first.",
        "Enable notifications/indications (write the CCCD), then retry.",
    ),
    0xFE: (
        "A procedure is already in progress.",
        "Wait for the running procedure to finish, then retry.",
    ),
    0xFF: ("The value is out of range.", "Use a value in the characteristic's valid range."),
}

_SMP_TEXT: dict[int, tuple[str, str]] = {
    0x01: (
        "Passkey entry failed: the passkey was not entered or was cancelled.",
        "Enter the passkey when asked (within 30 s).",
    ),
    0x02: (
        "OOB data not available: out-of-band pairing was requested but one side has no OOB data.",
        "Provide the OOB data, or turn the OOB flag off.",
    ),
    0x03: (
        "Authentication Requirements: the pairing settings cannot give the security the "
        "peer asks for; typically the peer wants MITM protection but the IO capabilities "
        "only allow Just Works (or it wants Secure Connections only).",
        "The peer wants MITM: pick an IO capability that allows it (DisplayYesNo, "
        "KeyboardOnly or KeyboardDisplay), set the MITM flag, and enable Secure "
        "Connections if the peer requires it.",
    ),
    0x04: (
        "Confirm Value Failed: the confirm values did not match, almost always a wrong passkey.",
        "Pair again and type the passkey exactly as the other side displays it.",
    ),
    0x05: (
        "Pairing Not Supported: the peer does not accept pairing now (not in pairing "
        "mode, pairing disabled, or its user declined).",
        "Put the peer into pairing mode or accept on its screen; some devices pair only "
        "just after power-up.",
    ),
    0x06: (
        "Encryption Key Size: the negotiated key would be shorter than a side accepts.",
        "Set the maximum encryption key size to 16 on both sides.",
    ),
    0x07: (
        "Command not supported: the peer's Security Manager does not know an SMP command we sent.",
        "Turn off optional features (keypress notifications, Secure Connections) for this peer.",
    ),
    0x08: (
        "Unspecified reason: pairing failed for a reason the peer does not name.",
        "Retry; remove the bond on both sides; capture the SMP exchange.",
    ),
    0x09: (
        "Repeated attempts: pairing was tried again too soon after a failure.",
        "Wait before retrying (the wait doubles after each failure).",
    ),
    0x0A: (
        "Invalid parameters: a pairing parameter is out of range (key size below 7, bad "
        "key distribution, bad length).",
        "Check the pairing request's parameters.",
    ),
    0x0B: (
        "DHKey Check Failed: in Secure Connections the two sides' checks differ (a wrong "
        "passkey, or an invalid public key).",
        "Pair again with the right passkey; if it persists, suspect the peer's stack.",
    ),
    0x0C: (
        "Numeric Comparison Failed: a user rejected the six-digit number, or the numbers differed.",
        "Compare the numbers on both sides and accept on both.",
    ),
    0x0D: (
        "BR/EDR pairing is in progress on the other transport.",
        "Wait for classic pairing to finish.",
    ),
    0x0E: (
        "Cross-transport key derivation is not allowed.",
        "Turn off cross-transport key derivation (link key / CTKD) for this peer.",
    ),
    0x0F: (
        "Key rejected: the peer refuses a distributed key.",
        "Remove the bond on both sides and pair again.",
    ),
}


# -- spec domains ------------------------------------------------------------------------


def _spec(domain: str, code: int, texts: dict[int, tuple[str, str]]) -> Explanation:
    names = _bumble_names()[domain]
    entry = names.get(code)
    text = texts.get(code)
    if entry is None:
        return _unknown(domain, code, _spec_range_hint(domain, code))
    title, symbol = entry
    if text is None:
        meaning = f"{title}."
        next_step = "Rare on LE links: see the Core spec's error code list for this code."
    else:
        meaning, next_step = text
    return Explanation(domain, code, title, meaning, next_step, symbol)


def _spec_range_hint(domain: str, code: int) -> str:
    if domain == "att" and 0x80 <= code <= 0x9F:
        return "an application error: its meaning is defined by the service or device"
    if domain == "att" and 0xE0 <= code <= 0xFB:
        return "a Common Profile and Service error code not assigned in this table"
    return ""


def _unknown(domain: str, code: int, hint: str = "") -> Explanation:
    if hint:
        return Explanation(
            domain,
            code,
            "Application Error" if "application" in hint else "Reserved",
            f"{code_hex(code)} is {hint}.",
            "Check the device's or service's documentation for this value.",
            known=True,
        )
    return Explanation(
        domain,
        code,
        "unknown",
        f"{code} ({code_hex(code)}) is not a defined {domain.upper() if domain != 'esp' else 'ESP-IDF'} code.",
        "Check where the number came from; `blebench explain CODE` lists every domain "
        "that defines it.",
        known=False,
    )


def hci_error(code: int) -> Explanation:
    """An HCI status / disconnect reason."""
    return _spec("hci", code, _HCI_TEXT)


def att_error(code: int) -> Explanation:
    """An ATT Error Response code (also GATT errors in bleak's and BlueZ's messages)."""
    return _spec("att", code, _ATT_TEXT)


def smp_error(code: int) -> Explanation:
    """An SMP Pairing Failed reason."""
    return _spec("smp", code, _SMP_TEXT)


# -- NimBLE -------------------------------------------------------------------------------


def _wrapped(
    domain: str, code: int, base_symbol: str, base: int, inner: Explanation, what: str
) -> Explanation:
    if not inner.known:
        return _unknown(domain, code)
    return Explanation(
        domain,
        code,
        f"{what} {code_hex(inner.code)} {inner.name}",
        f"{code} = {code_hex(code)} = {base_symbol} ({code_hex(base)}) + {what} {code_hex(inner.code)} "
        f"{inner.name}: {_body(inner)}",
        inner.next_step,
        # A reserved inner code has no symbol of its own: its number, never "BASE + ".
        f"{base_symbol} + {inner.symbol or code_hex(inner.code)}",
    )


def nimble_error(code: int) -> Explanation:
    """A NimBLE host return code (`rc`, `status`, disconnect `reason`)."""
    d = "nimble"
    if code in stacks.NIMBLE_HOST_CODES:
        symbol, meaning, step = stacks.NIMBLE_HOST_CODES[code]
        return Explanation(d, code, symbol if code else "Success", meaning, step, symbol)
    base, low = code & ~0xFF, code & 0xFF
    if low == 0 or code < 0:
        return _unknown(d, code)
    if base == stacks.NIMBLE_ATT_BASE:
        return _wrapped(d, code, "BLE_HS_ERR_ATT_BASE", base, att_error(low), "ATT error")
    if base == stacks.NIMBLE_HCI_BASE:
        return _wrapped(d, code, "BLE_HS_ERR_HCI_BASE", base, hci_error(low), "HCI error")
    if base == stacks.NIMBLE_SM_US_BASE:
        inner = smp_error(low)
        out = _wrapped(d, code, "BLE_HS_ERR_SM_US_BASE", base, inner, "SMP reason")
        if not out.known:
            return out
        return Explanation(
            d,
            code,
            out.name,
            out.meaning.replace(": ", ": our side failed the pairing: ", 1),
            out.next_step,
            out.symbol,
        )
    if base == stacks.NIMBLE_SM_PEER_BASE:
        inner = smp_error(low)
        out = _wrapped(d, code, "BLE_HS_ERR_SM_PEER_BASE", base, inner, "SMP reason")
        if not out.known:
            return out
        return Explanation(
            d,
            code,
            out.name,
            out.meaning.replace(": ", ": the peer sent Pairing Failed: ", 1),
            out.next_step,
            out.symbol,
        )
    if base == stacks.NIMBLE_L2C_BASE:
        reason = stacks.L2CAP_REJECT_REASONS.get(low)
        if reason is None:
            return _unknown(d, code)
        return Explanation(
            d,
            code,
            f"L2CAP {reason}",
            f"{code} = {code_hex(code)} = BLE_HS_ERR_L2C_BASE + {code_hex(low)}: the peer rejected "
            f"an L2CAP signalling command ({reason}).",
            "Capture the L2CAP exchange; check the MTU and channel ids used.",
            "BLE_HS_ERR_L2C_BASE",
        )
    if base == stacks.NIMBLE_HW_BASE:
        return Explanation(
            d,
            code,
            f"Hardware error {code_hex(low)}",
            f"{code} = {code_hex(code)} = BLE_HS_ERR_HW_BASE + {code_hex(low)}: the controller "
            f"reported a hardware error (vendor-specific code {code_hex(low)}).",
            "Reset the controller; check its power supply and firmware.",
            "BLE_HS_ERR_HW_BASE",
        )
    return _unknown(d, code)


# -- ESP-IDF (Bluedroid) ----------------------------------------------------------------


def esp_errors(code: int) -> list[Explanation]:
    """Every ESP-IDF Bluedroid meaning of a number: a GATT status (esp_gatt_status_t),
    a pairing failure (esp_ble_auth_fail_rsn_t) or a disconnect reason
    (esp_gatt_conn_reason_t); some numbers are more than one."""
    d = "esp"
    out: list[Explanation] = []
    if code in stacks.ESP_GATT_STATUS_ATT:
        inner = att_error(code)
        symbol = stacks.ESP_GATT_STATUS_ATT[code]
        out.append(
            Explanation(
                d,
                code,
                inner.name,
                f"GATT status {symbol} = ATT error {code_hex(code)} {inner.name}: {_body(inner)}",
                inner.next_step,
                symbol,
            )
        )
    if code in stacks.ESP_GATT_STATUS_OWN:
        symbol, meaning, step = stacks.ESP_GATT_STATUS_OWN[code]
        out.append(Explanation(d, code, symbol, f"GATT status: {meaning}", step, symbol))
    if code in stacks.ESP_AUTH_SMP_SPEC:
        reason = code - stacks.ESP_AUTH_SMP_OFFSET
        inner = smp_error(reason)
        symbol = stacks.ESP_AUTH_SMP_SPEC[code]
        out.append(
            Explanation(
                d,
                code,
                inner.name,
                f"Pairing failed ({symbol} = SMP reason {code_hex(reason)} + 77): {_body(inner)}",
                inner.next_step,
                symbol,
            )
        )
    if code in stacks.ESP_AUTH_SMP_OWN:
        symbol, meaning, step = stacks.ESP_AUTH_SMP_OWN[code]
        out.append(
            Explanation(
                d,
                code,
                symbol,
                f"Pairing failed: {meaning}",
                step,
                symbol,
            )
        )
    if code in stacks.ESP_GATT_CONN_OWN:
        symbol, meaning, step = stacks.ESP_GATT_CONN_OWN[code]
        out.append(
            Explanation(
                d,
                code,
                symbol,
                f"Disconnect reason: {meaning}",
                step,
                symbol,
            )
        )
    elif code in stacks.ESP_GATT_CONN_HCI:
        inner = hci_error(code)
        symbol = stacks.ESP_GATT_CONN_HCI[code]
        out.append(
            Explanation(
                d,
                code,
                inner.name,
                f"Disconnect reason {symbol} = HCI {code_hex(code)} {inner.name}: {_body(inner)}",
                inner.next_step,
                symbol,
            )
        )
    return out or [_unknown(d, code)]


# -- entry points -------------------------------------------------------------------------


def explain_all(domain: str, code: int) -> list[Explanation]:
    """Every meaning of `code` in `domain` (more than one only for some ESP-IDF numbers)."""
    domain = domain.lower()
    if domain == "esp":
        return esp_errors(code)
    return [explain(domain, code)]


def explain(domain: str, code: int) -> Explanation:
    """What `code` means in `domain` ("hci", "att", "smp", "nimble", "esp") and what to
    try next. Raises ValueError only for an unknown domain."""
    domain = domain.lower()
    if domain == "hci":
        return hci_error(code)
    if domain == "att":
        return att_error(code)
    if domain == "smp":
        return smp_error(code)
    if domain == "nimble":
        return nimble_error(code)
    if domain == "esp":
        return esp_errors(code)[0]
    raise ValueError(f"unknown domain {domain!r}; one of: {', '.join(DOMAINS)}")


def explain_guess(code: int) -> list[Explanation]:
    """Every defined meaning of a bare number, the most plausible domains first: numbers
    above 0xFF can only be stack numbers (NimBLE, ESP-IDF)."""
    order = ("nimble", "esp", "hci", "att", "smp") if code > 0xFF else DOMAINS
    found: list[Explanation] = []
    for domain in order:
        found.extend(e for e in explain_all(domain, code) if e.known)
    return found
