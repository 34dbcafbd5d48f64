"""`blebench pair DEVICE --io IO [...]`: pair with a device over SMP, with chosen options.

`blebench pair DEVICE --repair`: the guided re-pair after a stale bond (the device forgot
the keys blebench kept, field note 001): delete that bond and pair again with the options
of the first pairing (or the ones given).
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
from typing import TYPE_CHECKING, Any

from blebench.pairing.models import (
    KEY_SIZE_MAX,
    KEY_SIZE_MIN,
    IoCapability,
    PairingOptions,
    PairingOutcome,
)

if TYPE_CHECKING:
    from blebench.pairing.models import Bond
    from blebench.session.connections import DeviceConnection, StaleBondError
    from blebench.session.manager import SessionManager

IO_NAMES = [io.value for io in IoCapability]


def register(sub: Any, radio_parent: argparse.ArgumentParser) -> None:
    from blebench.commands.gatt import add_device_arguments
    from blebench.commands.radio import seconds

    parser = sub.add_parser(
        "pair",
        parents=[radio_parent],
        help="pair with a device using the IO capability and flags you choose",
        description="Connect to DEVICE (a name or an address) and pair over SMP with these "
        "options (Bumble backend or virtual world: blebench runs SMP itself). Exit 0 with the "
        "outcome; non-zero with the SMP or HCI reason in words and the next step.",
        epilog="example: blebench pair --sim 'Smart Lock' --io keyboard-display --mitm --sc "
        "--bond --passkey 123456; after the device forgot its bond: "
        "blebench pair --sim 'Smart Lock' --repair --passkey 123456",
    )
    add_device_arguments(parser)
    parser.add_argument("--io", choices=IO_NAMES, metavar="IO",
                        help=f"this side's IO capability: {', '.join(IO_NAMES)} (required, "
                        "except with --repair)")
    parser.add_argument("--repair", action="store_true",
                        help="the device forgot the bond blebench kept: delete it and pair "
                        "again, with the options of the first pairing unless --io is given")
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
    parser.add_argument("--pair-timeout", type=seconds, default=30.0, metavar="S",
                        help="give up pairing after S seconds (the SMP timeout, default 30)")
    parser.set_defaults(func=run)


def options_from(args: argparse.Namespace) -> PairingOptions:
    return PairingOptions(
        io=IoCapability.from_name(args.io), mitm=args.mitm, sc=args.sc, bonding=args.bond,
        keypress=args.keypress, min_key_size=args.min_key_size, max_key_size=args.max_key_size,
    )


def run(args: argparse.Namespace) -> int:
    from blebench.commands.gatt import run_connected
    from blebench.pairing.delegate import given_passkey

    try:
        if args.io is None and not args.repair:
            raise ValueError("--io IO is required (or --repair, to pair a stale bond again)")
        options = options_from(args) if args.io is not None else None
        passkey = given_passkey(args.passkey)
    except ValueError as err:
        print(f"blebench pair: {err}", file=sys.stderr)
        return 2
    # Bumble logs the failures it also reports to us; the outcome says them in words.
    logging.getLogger("bumble.smp").setLevel(logging.ERROR)

    if args.repair:
        import asyncio

        return asyncio.run(_repair(args, options, passkey))
    assert options is not None

    async def body(session: SessionManager, conn: DeviceConnection) -> int:
        return await _pair(args, options, passkey, session, conn)

    return run_connected(args, body)


def _prompts(args: argparse.Namespace, passkey: int | None) -> Any:
    from blebench.commands.prompts import TerminalDelegate

    confirm = None if args.confirm is None else args.confirm == "yes"
    return TerminalDelegate(passkey=passkey, confirm=confirm)


async def _repair(args: argparse.Namespace, options: PairingOptions | None,
                  passkey: int | None) -> int:
    from blebench.commands.gatt import report_error
    from blebench.commands.radio import in_session
    from blebench.session.connections import DeviceError

    async def repair(session: SessionManager) -> int:
        try:
            outcome, old = await session.repair(args.device, _prompts(args, passkey), options,
                                                passkey=passkey, timeout=args.pair_timeout)
        except DeviceError as exc:
            return report_error(exc, bool(args.json))
        return _report_repair(args, options, outcome, old)

    return await in_session(args, repair)


def _report_repair(args: argparse.Namespace, options: PairingOptions | None,
                   outcome: PairingOutcome, old: Bond) -> int:
    from blebench.decode.text import printable

    used = options or _stored_options(old)
    who = f"{printable(old.name)} ({old.address})" if old.name else old.address
    if not args.json:
        print(f"Re-pair of {who}: the stale bond was deleted, then paired again with the "
              f"options of the first pairing ({used.describe()}).", file=sys.stderr)
    code = _report(args, used, old.address, old.name, outcome)
    if not outcome.ok and not args.json:
        print("  The old bond was put back as it was: nothing was lost.", file=sys.stderr)
    return code


def _stored_options(bond: Bond) -> PairingOptions:
    from blebench.session.pairing import repair_options

    return repair_options(bond)


async def _pair(args: argparse.Namespace, options: PairingOptions, passkey: int | None,
                session: SessionManager, conn: DeviceConnection) -> int:
    from blebench.backends.bumble.pairing import BondKeyStore, pair_connection
    from blebench.pairing.bonds import BondFileProblem, BondStore
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
    if not isinstance(device.keystore, BondKeyStore):
        store = BondStore()
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BondFileProblem)
            store.bonds()
        for problem in store.problems:
            print(f"blebench pair: warning: {problem.message}", file=sys.stderr)
        device.keystore = BondKeyStore(store)  # bonds outlive the process (field note 001)

    outcome = await pair_connection(bumble_connection, options, _prompts(args, passkey),
                                    passkey=passkey, peer_name=conn.name,
                                    timeout=args.pair_timeout)
    return _report(args, options, conn.address, conn.name, outcome)


def _report(args: argparse.Namespace, options: PairingOptions, address: str, name: str | None,
            outcome: PairingOutcome) -> int:
    from blebench.decode.text import printable

    step = next_step(args, options, outcome)
    if args.json:
        out: dict[str, Any] = {"device": {"address": address, "name": name},
                               "options": options.to_json(), "outcome": outcome.to_json(),
                               "next_step": step}
        if args.repair:
            out["repaired"] = outcome.ok
        print(json.dumps(out))
    else:
        who = printable(name) + f" ({address})" if name else address
        if outcome.ok:
            print(f"Paired with {who}: {outcome.summary()}.")
        else:
            failure = outcome.failure
            assert failure is not None
            code = f"0x{failure.code:02X} " if failure.code else ""
            by = f" (sent by {'the peer' if failure.by == 'responder' else 'us'})" if failure.by else ""
            print(f"Pairing with {who} failed: {code}{failure.name}{by}.", file=sys.stderr)
            print(f"  {failure.why}", file=sys.stderr)
        if step:
            print(f"  Next: {step}", file=sys.stderr)
    return 0 if outcome.ok else 1


def next_step(args: argparse.Namespace, options: PairingOptions,
              outcome: PairingOutcome) -> str | None:
    """What to try next, as a command line when one can be given."""
    failure = outcome.failure
    if failure is None:
        if not outcome.bonded and options.bonding:
            return "the peer did not set the bonding flag: the keys were not kept"
        return None
    base = " ".join(["blebench pair", *radio_flags(args), _quote(args.device)])
    if failure.name == "Timeout" and options.sc:
        flags = " ".join(f for f in (f"--io {options.io.value}", "--mitm" if options.mitm else "",
                                     "--bond" if options.bonding else "") if f)
        return (f"the peer ignored a Secure Connections request; legacy pairing may work: "
                f"{base} {flags} (without --sc)")
    if failure.code == 0x03:
        return (f"{base} --io keyboard-display --mitm --sc --bond (passkey entry or numeric "
                "comparison give MITM protection); `blebench matrix --explain` shows why")
    if failure.code == 0x04:
        return "type the passkey exactly as the device shows it (--passkey N)"
    if failure.code == 0x06:
        return f"{base} --io {options.io.value} --max-key-size 16 (the peer wants a longer key)"
    if failure.code == 0x05:
        return ("the device refuses to pair: it may keep an old bond with us; clear it on the "
                f"device and delete ours (blebench bonds delete ADDR), then {base} again")
    return None


def _quote(text: str) -> str:
    return shlex.quote(text)


def radio_flags(args: argparse.Namespace) -> list[str]:
    """The radio options of this command line, to repeat them in a suggested command."""
    flags: list[str] = []
    if getattr(args, "sim", False):
        flags.append("--sim")
    transport = getattr(args, "transport", None)
    if transport:
        flags += ["--transport", _quote(transport)]
    elif getattr(args, "backend", "auto") not in (None, "auto"):
        flags += ["--backend", args.backend]
    if getattr(args, "sim_devices", None):
        flags += ["--sim-devices", _quote(str(args.sim_devices))]
    if getattr(args, "seed", 0):
        flags += ["--seed", str(int(args.seed))]
    return flags


def option_flags(options: PairingOptions) -> list[str]:
    flags = ["--io", options.io.value]
    flags += [flag for flag, on in (("--mitm", options.mitm), ("--sc", options.sc),
                                    ("--bond", options.bonding),
                                    ("--keypress", options.keypress)) if on]
    if options.min_key_size != KEY_SIZE_MIN:
        flags += ["--min-key-size", str(options.min_key_size)]
    if options.max_key_size != KEY_SIZE_MAX:
        flags += ["--max-key-size", str(options.max_key_size)]
    return flags


def repair_command(args: argparse.Namespace, bond: Bond | None) -> str:
    """The exact command that deletes the stale bond and pairs again as the first time."""
    words = ["blebench", "pair", *radio_flags(args), _quote(args.device), "--repair"]
    if bond is not None:
        words += option_flags(_stored_options(bond))
    return " ".join(words)


def report_stale_bond(exc: StaleBondError, args: argparse.Namespace,
                      session: SessionManager) -> int:
    """A connection found the bond stale: say what happened and how to re-pair; exit 1."""
    identity = exc.identity_address or exc.address
    local = session.radio.identity if session.radio is not None else None
    bond = session.bonds.resolve(identity, local_address=local)
    command = repair_command(args, bond)
    if getattr(args, "json", False):
        out = exc.to_json()
        out["repair_command"] = command
        print(json.dumps(out))
    print(f"blebench: error: {exc}", file=sys.stderr)
    print("  blebench still has its keys, so every encrypted link to it fails until the "
          "two sides pair again.", file=sys.stderr)
    print(f"next: pair again (deletes the stale bond first): {command}", file=sys.stderr)
    print("  If you did not reset the device, make sure it is yours: another device may "
          "be using its address.", file=sys.stderr)
    return 1
