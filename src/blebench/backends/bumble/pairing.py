"""Moved to `blebench.stack` (issue 10): `smp_policy` (the session, config, observer) and
`smp_bridge` (`pair_connection`, outcomes). Kept only while callers move; import from there.
"""

from __future__ import annotations

from blebench.stack.keystore import BondKeyStore, keys_from_bumble, keys_to_bumble
from blebench.stack.smp_bridge import (
    SMP_TIMEOUT_S,
    failure_from,
    identity_type_of,
    outcome_from,
    pair_connection,
    peer_text,
)
from blebench.stack.smp_policy import (
    BridgeConfig,
    BridgeDelegate,
    PolicySession,
    SmpObserver,
    SmpPdu,
    configure_device,
    pdu_name,
    random_passkey,
    use_policy_sessions,
)

__all__ = [
    "SMP_TIMEOUT_S",
    "BondKeyStore",
    "BridgeConfig",
    "BridgeDelegate",
    "PolicySession",
    "SmpObserver",
    "SmpPdu",
    "configure_device",
    "failure_from",
    "identity_type_of",
    "keys_from_bumble",
    "keys_to_bumble",
    "outcome_from",
    "pair_connection",
    "pdu_name",
    "peer_text",
    "random_passkey",
    "use_policy_sessions",
]
