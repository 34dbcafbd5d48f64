"""`blebench pair DEVICE --io IO [...]`: pair with a device over SMP, with chosen options."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import TYPE_CHECKING, Any

from blebench.pairing.models import IoCapability, PairingOptions, PairingOutcome

if TYPE_CHECKING:
    from blebench.session.connections import DeviceConnection
    from blebench.session.manager import SessionManager

IO_NAMES = [io.value for io in IoCapability]


def register(sub: Any, radio_parent: argparse.ArgumentParser) -> None:
    from blebench.commands.gatt import add_device_arguments

    parser = sub.add_parser(
        "pair",
        parents=[radio_parent],
        help="pair with a device using the IO capability and flags you choose",
        description="Connect to DEVICE (a name or an address) and pair over SMP with these "
        "options (Bumble backend or virtual world: blebench runs SMP itself). Exit 0 with the "
        "outcome; non-zero with the SMP or HCI reason in words and the next step.",
        epilog="example: blebench pair --sim 'Smart Lock' --io keyboard-display --mitm --sc "
        "--bond --passkey 123456",
    )
    add_device_arguments(parser)
    parser.add_argument("--io", required=True, choices=IO_NAMES, metavar="IO",
                        help=f"this side's IO capability: {', '.join(IO_NAMES)}")
    parser.add_argument("--mitm", action="store_true", help="set the MITM flag")
    parser.add_argument("--sc", action="store_true", help="set the Secure Connections flag")
    parser.add_argument("--bond", action="store_true", help="set the bonding flag (keep the keys)")
    parser.add_argument("--keypress", action="store_true", help="ask for keypress notifications")
    parser.add_argument("--min-key-size", type=int, default=7, metavar="N",
                        help="refuse a negotiated key below N bytes (7..16, default 7)")
    parser.add_argument("--max-key-size", type=int, default=16, metavar="N",
                        help="the Maximum Encryption Key Size sent (7..16, default 16)")
    parser.add_argument("--passkey", metavar="N",
                        help="the passkey to type; or, when this side displays, the one it shows")
    parser.add_argument("--confirm", choices=("yes", "no"),
                        help="answer a numeric comparison (or a Just Works confirmation)")
    parser.add_argument("--pair-timeout", type=float, default=30.0, metavar="S",
                        help="give up pairing after S seconds (the SMP timeout, default 30)")
    parser.set_defaults(func=run)


def options_from(args: argparse.Namespace) -> PairingOptions:
    return PairingOptions(
        io=IoCapability.from_name(args.io), mitm=args.mitm, sc=args.sc, bonding=args.bond,
        keypress=args.keypress, min_key_size=args.min_key_size, max_key_size=args.max_key_size,
    )


def run(args: argparse.Namespace) -> int:
    from blebench.commands.gatt import run_connected
    from blebench.pairing.delegate import parse_passkey

    try:
        options = options_from(args)
        passkey = parse_passkey(args.passkey) if args.passkey is not None else None
        if passkey == 0:
            raise ValueError("passkey 000000 cannot be used: Bumble's SMP hangs on it")
    except ValueError as err:
        print(f"blebench pair: {err}", file=sys.stderr)
        return 2
    # Bumble logs the failures it also reports to us; the outcome says them in words.
    logging.getLogger("bumble.smp").setLevel(logging.ERROR)

    async def body(session: SessionManager, conn: DeviceConnection) -> int:
        return await _pair(args, options, passkey, conn)

    return run_connected(args, body)


async def _pair(args: argparse.Namespace, options: PairingOptions, passkey: int | None,
                conn: DeviceConnection) -> int:
    from blebench.backends.bumble.pairing import BondKeyStore, pair_connection
    from blebench.pairing.bonds import BondFileProblem, BondStore
    from blebench.pairing.delegate import TerminalDelegate, printable
    from blebench.session.connections import backend_extras

    bumble_connection = getattr(backend_extras(conn.client), "bumble_connection", None)
    if bumble_connection is None:
        message = ("the OS Bluetooth stack decides how to pair, not blebench: use --sim or "
                   "--transport SPEC (Bumble) to choose IO capability, MITM and SC")
        if args.json:
            print(json.dumps({"device": {"address": conn.address, "name": conn.name},
                              "error": message}))
        print(f"blebench pair: {message}", file=sys.stderr)
        return 2
    device = bumble_connection.device
    store = BondStore()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BondFileProblem)
        store.bonds()
    for problem in store.problems:
        print(f"blebench pair: warning: {problem.message}", file=sys.stderr)
    if not isinstance(device.keystore, BondKeyStore):
        device.keystore = BondKeyStore(store)  # bonds outlive the process (field note 001)

    confirm = None if args.confirm is None else args.confirm == "yes"
    prompts = TerminalDelegate(passkey=passkey, confirm=confirm)
    outcome = await pair_connection(bumble_connection, options, prompts, passkey=passkey,
                                    peer_name=conn.name, timeout=args.pair_timeout)
    step = next_step(args, outcome)
    if args.json:
        print(json.dumps({"device": {"address": conn.address, "name": conn.name},
                          "options": options.to_json(), "outcome": outcome.to_json(),
                          "next_step": step}))
    else:
        who = printable(conn.name) + f" ({conn.address})" if conn.name else conn.address
        if outcome.ok:
            print(f"Paired with {who}: {outcome.summary()}.")
        else:
            failure = outcome.failure
            assert failure is not None
            code = f"0x{failure.code:02X} " if failure.code else ""
            by = f" (sent by the {'peer' if failure.by == 'responder' else 'us'})" if failure.by else ""
            print(f"Pairing with {who} failed: {code}{failure.name}{by}.", file=sys.stderr)
            print(f"  {failure.why}", file=sys.stderr)
        if step:
            print(f"  Next: {step}", file=sys.stderr)
    return 0 if outcome.ok else 1


def next_step(args: argparse.Namespace, outcome: PairingOutcome) -> str | None:
    """What to try next, as a command line when one can be given."""
    failure = outcome.failure
    if failure is None:
        if not outcome.bonded and args.bond:
            return "the peer did not set the bonding flag: the keys were not kept"
        return None
    base = f"blebench pair {_quote(args.device)}"
    if failure.name == "Timeout" and args.sc:
        flags = " ".join(f for f in (f"--io {args.io}", "--mitm" if args.mitm else "",
                                     "--bond" if args.bond else "") if f)
        return (f"the peer ignored a Secure Connections request; legacy pairing may work: "
                f"{base} {flags} (without --sc)")
    if failure.code == 0x03:
        return (f"{base} --io keyboard-display --mitm --sc --bond (passkey entry or numeric "
                "comparison give MITM protection); `blebench matrix --explain` shows why")
    if failure.code == 0x04:
        return "type the passkey exactly as the device shows it (--passkey N)"
    if failure.code == 0x06:
        return f"{base} --io {args.io} --max-key-size 16 (the peer wants a longer key)"
    if failure.code == 0x05:
        return ("the device refuses to pair: it may keep an old bond with us; clear it on the "
                f"device and delete ours (blebench bonds delete ADDR), then {base} again")
    return None


def _quote(text: str) -> str:
    return f"'{text}'" if any(c.isspace() for c in text) else text
