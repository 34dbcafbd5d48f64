"""Error numbers of two embedded stacks that people paste from their logs: NimBLE and
ESP-IDF's Bluedroid. Neither Bumble nor bleak ships these, so they are written down here,
each table with the header it was read from. The spec codes they wrap (HCI, ATT, SMP)
are explained by `blebench.decode.codes`; these tables only say how a stack number maps
onto them, plus the stack's own numbers.
"""

from __future__ import annotations

# -- NimBLE ---------------------------------------------------------------------------
# Source: apache/mynewt-nimble, nimble/host/include/host/ble_hs.h ("Bluetooth Host Error
# Code" group), the same numbers in ESP-IDF's and NimBLE-Arduino's copies. A host `rc`
# is either one of these small codes or an error base plus a spec code:
#   BLE_HS_ERR_ATT_BASE 0x100 + ATT error, BLE_HS_ERR_HCI_BASE 0x200 + HCI error,
#   BLE_HS_ERR_L2C_BASE 0x300 + L2CAP reason, BLE_HS_ERR_SM_US_BASE 0x400 + SMP reason
#   (our side failed the pairing), BLE_HS_ERR_SM_PEER_BASE 0x500 + SMP reason (the peer
#   sent Pairing Failed), BLE_HS_ERR_HW_BASE 0x600 + controller hardware error code.

NIMBLE_ATT_BASE = 0x100
NIMBLE_HCI_BASE = 0x200
NIMBLE_L2C_BASE = 0x300
NIMBLE_SM_US_BASE = 0x400
NIMBLE_SM_PEER_BASE = 0x500
NIMBLE_HW_BASE = 0x600

# code: (symbol, meaning, next step); meanings follow the NimBLE host return-code docs.
NIMBLE_HOST_CODES: dict[int, tuple[str, str, str]] = {
    0: ("0", "Success.", "Nothing to do."),
    1: (
        "BLE_HS_EAGAIN",
        "Temporary failure: the host could not do it right now.",
        "Retry after a short delay.",
    ),
    2: (
        "BLE_HS_EALREADY",
        "The operation is already in progress or already done "
        "(for example security was already initiated, or already connected).",
        "Wait for the running procedure's event instead of starting it again.",
    ),
    3: (
        "BLE_HS_EINVAL",
        "One or more arguments are invalid.",
        "Check the call's arguments (handles, lengths, address types, intervals).",
    ),
    4: (
        "BLE_HS_EMSGSIZE",
        "The buffer given is too small, or the value is longer than allowed.",
        "Use a bigger buffer, or a value no longer than MTU - 3 (or the attribute's maximum).",
    ),
    5: (
        "BLE_HS_ENOENT",
        "No entry matches: no such connection, bond, attribute or service.",
        "Rediscover services, or check the handle/UUID/address you passed.",
    ),
    6: (
        "BLE_HS_ENOMEM",
        "The host ran out of memory (mbufs, connection or GATT procedure slots).",
        "Raise the NimBLE pool sizes in the build config, or do fewer things at once.",
    ),
    7: (
        "BLE_HS_ENOTCONN",
        "There is no open connection with that handle: the link is gone.",
        "Reconnect first; look at the disconnect reason that came just before.",
    ),
    8: (
        "BLE_HS_ENOTSUP",
        "The operation is disabled at compile time (a NimBLE feature not built in).",
        "Enable the feature in the NimBLE build config (menuconfig / syscfg).",
    ),
    9: (
        "BLE_HS_EAPP",
        "An application callback returned an error or behaved unexpectedly.",
        "Check the return value of your GAP/GATT callback.",
    ),
    10: (
        "BLE_HS_EBADDATA",
        "A command or response from the peer was malformed.",
        "Capture the exchange (btsnoop) and look at the peer's packet.",
    ),
    11: (
        "BLE_HS_EOS",
        "An operating-system call failed inside the host.",
        "Check task stack sizes and the OS error that was logged.",
    ),
    12: (
        "BLE_HS_ECONTROLLER",
        "The controller sent an invalid event or failed a command.",
        "Reset the controller; update its firmware if it keeps happening.",
    ),
    13: (
        "BLE_HS_ETIMEOUT",
        "The operation timed out. After a security request (secureConnection, "
        "ble_gap_security_initiate) it means pairing never finished: the peer did not "
        "complete the SMP exchange within 30 s (it waited for a user confirmation, or "
        "silently ignored the pairing parameters we offered).",
        "If this was pairing: accept the prompt on the peer, then try other settings: "
        "another IO capability, Secure Connections off (sm_sc = 0) or on, bonding on; "
        "capture the SMP exchange (btsnoop) to see which side stopped answering.",
    ),
    14: (
        "BLE_HS_EDONE",
        "The procedure completed: in discovery callbacks this marks the end of the list. "
        "Not an error.",
        "Nothing to do.",
    ),
    15: (
        "BLE_HS_EBUSY",
        "Another procedure of the same kind is running (a GATT procedure, scan or "
        "connect in progress).",
        "Wait for the running procedure to finish, then retry.",
    ),
    16: (
        "BLE_HS_EREJECT",
        "The peer rejected a connection parameter update request.",
        "Request parameters within the peer's preferred range (GAP characteristic 2A04).",
    ),
    17: (
        "BLE_HS_EUNKNOWN",
        "Unexpected failure (a catch-all).",
        "Look at the lines logged before it; capture HCI traffic if it repeats.",
    ),
    18: (
        "BLE_HS_EROLE",
        "The operation needs the other role (central vs peripheral).",
        "Call it from the side that has the needed role.",
    ),
    19: (
        "BLE_HS_ETIMEOUT_HCI",
        "An HCI command timed out: the controller did not answer.",
        "Reset the controller; check the HCI transport (UART wiring, baud rate, VHCI).",
    ),
    20: (
        "BLE_HS_ENOMEM_EVT",
        "The controller dropped an event for lack of memory (combined host-controller "
        "builds only).",
        "Raise the controller's event buffer counts.",
    ),
    21: (
        "BLE_HS_ENOADDR",
        "The operation needs an identity address but none is configured.",
        "Set a public or static random address (ble_hs_id_set_rnd) before advertising "
        "or connecting.",
    ),
    22: (
        "BLE_HS_ENOTSYNCED",
        "The host is not yet synced with the controller.",
        "Start BLE work from the sync callback (ble_hs_cfg.sync_cb).",
    ),
    23: (
        "BLE_HS_EAUTHEN",
        "Insufficient authentication: the operation needs a paired (authenticated) link.",
        "Pair first (with MITM if the attribute requires it), then retry.",
    ),
    24: (
        "BLE_HS_EAUTHOR",
        "Insufficient authorization.",
        "Do what the device requires to authorize this access; pairing alone does not.",
    ),
    25: (
        "BLE_HS_EENCRYPT",
        "Insufficient encryption level: the link is not encrypted (enough).",
        "Encrypt the link (pair, or re-encrypt with the stored bond), then retry.",
    ),
    26: (
        "BLE_HS_EENCRYPT_KEY_SZ",
        "Insufficient encryption key size.",
        "Pair again with the maximum key size (16).",
    ),
    27: (
        "BLE_HS_ESTORE_CAP",
        "The bond store is full.",
        "Delete old bonds (or handle BLE_STORE_EVENT_FULL by deleting the oldest).",
    ),
    28: (
        "BLE_HS_ESTORE_FAIL",
        "Writing or reading the bond store failed.",
        "Check NVS/flash initialisation and free space.",
    ),
    29: (
        "BLE_HS_EPREEMPTED",
        "The operation was pre-empted by another one.",
        "Retry once the other operation has finished.",
    ),
    30: (
        "BLE_HS_EDISABLED",
        "The feature is disabled.",
        "Enable it in the build or at run time before calling it.",
    ),
    31: (
        "BLE_HS_ESTALLED",
        "The operation stalled (the controller stopped making progress).",
        "Reset the controller; check the HCI transport.",
    ),
}

# L2CAP Command Reject reasons (Core Vol 3 Part A 4.1), as NimBLE reports them with
# BLE_HS_L2C_ERR(); the reason 0x0000 cannot be expressed since BLE_HS_L2C_ERR(0) is 0.
L2CAP_REJECT_REASONS: dict[int, str] = {
    0x0001: "Signaling MTU exceeded",
    0x0002: "Invalid CID in request",
}

# -- ESP-IDF (Bluedroid) ----------------------------------------------------------------
# Source: ESP-IDF components/bt/host/bluedroid/api/include/api/esp_gatt_defs.h
# (esp_gatt_status_t, esp_gatt_conn_reason_t) and esp_gap_ble_api.h
# (esp_ble_auth_fail_rsn_t). ESP-IDF's NimBLE port uses the NimBLE numbers above.

# esp_gatt_status_t 0x01..0x11 equal the ATT error codes of the same value.
ESP_GATT_STATUS_ATT: dict[int, str] = {
    0x01: "ESP_GATT_INVALID_HANDLE",
    0x02: "ESP_GATT_READ_NOT_PERMIT",
    0x03: "ESP_GATT_WRITE_NOT_PERMIT",
    0x04: "ESP_GATT_INVALID_PDU",
    0x05: "ESP_GATT_INSUF_AUTHENTICATION",
    0x06: "ESP_GATT_REQ_NOT_SUPPORTED",
    0x07: "ESP_GATT_INVALID_OFFSET",
    0x08: "ESP_GATT_INSUF_AUTHORIZATION",
    0x09: "ESP_GATT_PREPARE_Q_FULL",
    0x0A: "ESP_GATT_NOT_FOUND",
    0x0B: "ESP_GATT_NOT_LONG",
    0x0C: "ESP_GATT_INSUF_KEY_SIZE",
    0x0D: "ESP_GATT_INVALID_ATTR_LEN",
    0x0E: "ESP_GATT_ERR_UNLIKELY",
    0x0F: "ESP_GATT_INSUF_ENCRYPTION",
    0x10: "ESP_GATT_UNSUPPORT_GRP_TYPE",
    0x11: "ESP_GATT_INSUF_RESOURCE",
    # Common Profile and Service error codes, the same values as ATT's.
    0xFD: "ESP_GATT_CCC_CFG_ERR",
    0xFE: "ESP_GATT_PRC_IN_PROGRESS",
    0xFF: "ESP_GATT_OUT_OF_RANGE",
}

# Bluedroid's own GATT statuses: code: (symbol, meaning, next step).
ESP_GATT_STATUS_OWN: dict[int, tuple[str, str, str]] = {
    0x00: ("ESP_GATT_OK", "Success.", "Nothing to do."),
    0x80: (
        "ESP_GATT_NO_RESOURCES",
        "Bluedroid ran out of resources (GATT client/server slots, buffers).",
        "Close unused connections or apps; raise the limits in menuconfig.",
    ),
    0x81: (
        "ESP_GATT_INTERNAL_ERROR",
        "Internal error in the Bluedroid GATT layer.",
        "Look at the lines logged before it; retry after reconnecting.",
    ),
    0x82: (
        "ESP_GATT_WRONG_STATE",
        "The request came in the wrong state (for example before the connection is open "
        "or service discovery has finished).",
        "Wait for ESP_GATTC_OPEN_EVT / ESP_GATTC_SEARCH_CMPL_EVT before reading or writing.",
    ),
    0x83: (
        "ESP_GATT_DB_FULL",
        "The local GATT database is full.",
        "Raise the attribute count for the service, or define fewer attributes.",
    ),
    0x84: (
        "ESP_GATT_BUSY",
        "Another GATT operation is still pending on this connection.",
        "Wait for the previous operation's event before issuing the next one.",
    ),
    0x85: (
        "ESP_GATT_ERROR",
        "Generic failure: often the connection dropped while the operation was pending, "
        "or the peer answered with an error Bluedroid does not pass on.",
        "Check for a disconnect event just before it; capture HCI traffic to see the "
        "peer's real answer.",
    ),
    0x86: ("ESP_GATT_CMD_STARTED", "The command was started.", "Wait for its event."),
    0x87: (
        "ESP_GATT_ILLEGAL_PARAMETER",
        "An argument is invalid.",
        "Check handles, lengths and the gatt_if you passed.",
    ),
    0x88: ("ESP_GATT_PENDING", "The operation is pending.", "Wait for its event."),
    0x89: (
        "ESP_GATT_AUTH_FAIL",
        "Authentication failed while the GATT operation needed it.",
        "Remove the bond on both sides and pair again.",
    ),
    0x8A: ("ESP_GATT_MORE", "More data is available.", "Keep reading."),
    0x8B: (
        "ESP_GATT_INVALID_CFG",
        "Invalid configuration.",
        "Check the attribute table / service definition.",
    ),
    0x8C: ("ESP_GATT_SERVICE_STARTED", "The service is started.", "Nothing to do."),
    0x8D: (
        "ESP_GATT_ENCRYPTED_NO_MITM",
        "The link is encrypted without MITM protection (Just Works).",
        "If the attribute needs MITM, pair with an IO capability that allows passkey or "
        "numeric comparison (ESP_BLE_SEC_ENCRYPT_MITM).",
    ),
    0x8E: (
        "ESP_GATT_NOT_ENCRYPTED",
        "The link is not encrypted.",
        "Call esp_ble_set_encryption() (pair or re-encrypt) before this access.",
    ),
    0x8F: (
        "ESP_GATT_CONGESTED",
        "The link is congested: too many packets queued.",
        "Wait for ESP_GATTC_CONGEST_EVT / ESP_GATTS_CONGEST_EVT to clear, then send more.",
    ),
    0x90: (
        "ESP_GATT_DUP_REG",
        "The application is already registered.",
        "Register each GATT app id once.",
    ),
    0x91: (
        "ESP_GATT_ALREADY_OPEN",
        "A connection to this device is already open.",
        "Use the open connection, or close it first.",
    ),
    0x92: ("ESP_GATT_CANCEL", "The operation was cancelled.", "Retry if it is still needed."),
    0xE0: ("ESP_GATT_STACK_RSP", "The stack answers this request itself.", "Nothing to do."),
    0xE1: ("ESP_GATT_APP_RSP", "The application must answer this request.", "Send the response."),
    0xEF: (
        "ESP_GATT_UNKNOWN_ERROR",
        "Unknown error.",
        "Look at the lines logged before it; capture HCI traffic.",
    ),
}

# esp_ble_auth_fail_rsn_t: 78..91 are the SMP Pairing Failed reasons 0x01..0x0E shifted
# by 77 (the enum starts at ESP_AUTH_SMP_PASSKEY_FAIL = 78); 92.. are Bluedroid's own.
ESP_AUTH_SMP_OFFSET = 77
ESP_AUTH_SMP_SPEC: dict[int, str] = {
    78: "ESP_AUTH_SMP_PASSKEY_FAIL",
    79: "ESP_AUTH_SMP_OOB_FAIL",
    80: "ESP_AUTH_SMP_PAIR_AUTH_FAIL",
    81: "ESP_AUTH_SMP_CONFIRM_VALUE_FAIL",
    82: "ESP_AUTH_SMP_PAIR_NOT_SUPPORT",
    83: "ESP_AUTH_SMP_ENC_KEY_SIZE",
    84: "ESP_AUTH_SMP_INVALID_CMD",
    85: "ESP_AUTH_SMP_UNKNOWN_ERR",
    86: "ESP_AUTH_SMP_REPEATED_ATTEMPT",
    87: "ESP_AUTH_SMP_INVALID_PARAMETERS",
    88: "ESP_AUTH_SMP_DHKEY_CHK_FAIL",
    89: "ESP_AUTH_SMP_NUM_COMP_FAIL",
    90: "ESP_AUTH_SMP_BR_PARING_IN_PROGR",
    91: "ESP_AUTH_SMP_XTRANS_DERIVE_NOT_ALLOW",
}
ESP_AUTH_SMP_OWN: dict[int, tuple[str, str, str]] = {
    92: (
        "ESP_AUTH_SMP_INTERNAL_ERR",
        "Pairing failed with an internal error in Bluedroid's Security Manager.",
        "Retry; remove the bond on both sides if it repeats.",
    ),
    93: (
        "ESP_AUTH_SMP_UNKNOWN_IO",
        "Unknown IO capability: the pairing method could not be decided.",
        "Set a valid IO capability (esp_ble_gap_set_security_param ESP_BLE_SM_IOCAP_MODE).",
    ),
    94: (
        "ESP_AUTH_SMP_INIT_FAIL",
        "Starting the pairing failed.",
        "Make sure the link is up and no other security procedure runs, then retry.",
    ),
    95: (
        "ESP_AUTH_SMP_CONFIRM_FAIL",
        "The confirm value did not match (usually a wrong passkey).",
        "Pair again and enter the passkey exactly as displayed.",
    ),
    96: (
        "ESP_AUTH_SMP_BUSY",
        "Another security procedure is already pending.",
        "Wait for the running one to finish (ESP_GAP_BLE_AUTH_CMPL_EVT), then retry.",
    ),
    97: (
        "ESP_AUTH_SMP_ENC_FAIL",
        "The controller failed to start encryption: usually the peer no longer has the "
        "bond's keys.",
        "Remove the bond on this side (esp_ble_remove_bond_device) and pair again.",
    ),
    98: ("ESP_AUTH_SMP_STARTED", "Pairing has started.", "Wait for the result."),
    99: (
        "ESP_AUTH_SMP_RSP_TIMEOUT",
        "The peer did not answer an SMP command within 30 s.",
        "Accept the pairing prompt on the peer; try other IO capability / MITM / SC "
        "settings; capture the SMP exchange.",
    ),
    100: (
        "ESP_AUTH_SMP_DIV_NOT_AVAIL",
        "The encrypted diversifier (legacy pairing key) is not available.",
        "Remove the bond and pair again.",
    ),
    101: (
        "ESP_AUTH_SMP_UNSPEC_ERR",
        "Pairing failed for an unspecified reason.",
        "Retry; remove the bond on both sides if it repeats.",
    ),
    102: (
        "ESP_AUTH_SMP_CONN_TOUT",
        "The connection timed out during pairing.",
        "Move the devices closer and retry; check the peer does not reset while pairing.",
    ),
}

# esp_gatt_conn_reason_t: disconnect reasons; the small ones are HCI error codes.
ESP_GATT_CONN_HCI: dict[int, str] = {
    0x00: "ESP_GATT_CONN_UNKNOWN",
    0x01: "ESP_GATT_CONN_L2C_FAILURE",
    0x08: "ESP_GATT_CONN_TIMEOUT",
    0x13: "ESP_GATT_CONN_TERMINATE_PEER_USER",
    0x16: "ESP_GATT_CONN_TERMINATE_LOCAL_HOST",
    0x22: "ESP_GATT_CONN_LMP_TIMEOUT",
    0x3E: "ESP_GATT_CONN_FAIL_ESTABLISH",
}
ESP_GATT_CONN_OWN: dict[int, tuple[str, str, str]] = {
    0x00: (
        "ESP_GATT_CONN_UNKNOWN",
        "Disconnected for an unknown reason.",
        "Capture HCI traffic to see the Disconnection Complete reason.",
    ),
    0x01: (
        "ESP_GATT_CONN_L2C_FAILURE",
        "Disconnected after a general L2CAP failure.",
        "Capture HCI traffic; retry the connection.",
    ),
    0x0100: (
        "ESP_GATT_CONN_CONN_CANCEL",
        "The L2CAP connection was cancelled (the connect attempt was aborted).",
        "Retry the connection; make sure the peer is advertising connectable.",
    ),
    0x0101: (
        "ESP_GATT_CONN_NONE",
        "There was no connection to cancel.",
        "Nothing to do.",
    ),
}
