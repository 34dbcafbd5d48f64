"""`blebench pair DEVICE --io IO [...]`: pair with a device over SMP, with chosen options.

`blebench pair DEVICE --repair`: the guided re-pair after a stale bond (the device forgot
the keys blebench kept, field note 001): delete that bond and pair again with the options
of the first pairing (or the ones given).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import TYPE_CHECKING, Any

from blebench.commands.common import (
    _quote,
    _stored_options,
    add_device_arguments,
    option_flags,
    radio_flags,
    report_error,
    run_connected,
)
from blebench.commands.prompts import JUST_WORKS_ACCEPTED, TerminalDelegate
from blebench.pairing.models import KEY_SIZE_MAX, IoCapability, PairingOptions, PairingOutcome

if TYPE_CHECKING:
    from blebench.pairing.models import Bond
    from blebench.session.api import SessionApi
    from blebench.session.manager import SessionManager
    from blebench.session.models import ConnectionInfo

IO_NAMES = [io.value for io in IoCapability]
DEFAULT_PAIR_TIMEOUT_S = 30.0  # the spec's SMP timeout (Vol 3 Part H 3.4)


def register(sub: Any, radio_parent: argparse.ArgumentParser) -> None:
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
    parser.add_argument("--ladder", action="store_true",
                        help="print each SMP PDU as it goes (ours and what the peer actually "
                        "sent) on stderr; with --json also a \"ladder\" list")
    parser.add_argument("--pair-timeout", type=seconds, default=DEFAULT_PAIR_TIMEOUT_S, metavar="S",
                        help="give up pairing after S seconds (the SMP timeout, default 30)")
    parser.set_defaults(func=run)


def options_from(args: argparse.Namespace) -> PairingOptions:
    return PairingOptions(
        io=IoCapability.from_name(args.io), mitm=args.mitm, sc=args.sc, bonding=args.bond,
        keypress=args.keypress, min_key_size=args.min_key_size, max_key_size=args.max_key_size,
    )


def run(args: argparse.Namespace) -> int:
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

    async def body(session: SessionApi, conn: ConnectionInfo) -> int:
        # The one pairing path of every face: the session (the OS stack, which decides
        # pairing itself, is refused there as PairingUnavailableError).
        prompts = _prompts(args, passkey, options)
        async with prompts.counting_down(args.pair_timeout, conn.name or conn.address):
            outcome = await session.pair(conn.address, options, prompts,
                                         passkey=passkey, timeout=args.pair_timeout)
        return _report(args, options, conn.address, conn.name, outcome,
                       extra=_ladder_json(args, prompts))

    return run_connected(args, body)


def _prompts(args: argparse.Namespace, passkey: int | None,
             options: PairingOptions | None) -> TerminalDelegate:
    confirm = None if args.confirm is None else args.confirm == "yes"
    return TerminalDelegate(passkey=passkey, confirm=confirm,
                            io=options.io if options is not None else None,
                            ladder=bool(getattr(args, "ladder", False)) and not args.json)


async def _repair(args: argparse.Namespace, options: PairingOptions | None,
                  passkey: int | None) -> int:
    from blebench.commands.radio import in_session
    from blebench.errors import BlebenchError

    async def repair(session: SessionManager) -> int:
        prompts = _prompts(args, passkey, options)
        try:
            stale = await _bond_was_stale(session, args)
            async with prompts.counting_down(args.pair_timeout, args.device):
                outcome, old = await session.repair(args.device, prompts, options,
                                                    passkey=passkey, timeout=args.pair_timeout)
        except BlebenchError as exc:
            return report_error(exc, bool(args.json))
        return _report_repair(args, options, outcome, old, stale, _ladder_json(args, prompts))

    return await in_session(args, repair)


async def _bond_was_stale(session: SessionManager, args: argparse.Namespace) -> bool | None:
    """Connect once with the bond first: True when the device no longer has it (the link
    did not encrypt), False when the link encrypted with it (it was not stale), None when
    that cannot be told (no link, or no encryption tried)."""
    from blebench.errors import BlebenchError
    from blebench.session.errors import StaleBondError

    try:
        info = await session.connect(args.device, timeout=args.timeout)
    except StaleBondError:
        return True
    except BlebenchError:
        return None  # the re-pair says why it cannot reach the device
    return False if info.encrypted else None


def _ladder_json(args: argparse.Namespace, prompts: TerminalDelegate) -> dict[str, Any]:
    if not getattr(args, "ladder", False):
        return {}
    return {"ladder": [step.to_json() for step in prompts.steps]}


def _report_repair(args: argparse.Namespace, options: PairingOptions | None,
                   outcome: PairingOutcome, old: Bond, stale: bool | None = None,
                   ladder: dict[str, Any] | None = None) -> int:
    from blebench.decode.text import printable

    used = options or _stored_options(old)
    who = f"{printable(old.name)} ({old.address})" if old.name else old.address
    if not args.json:
        which = "the options given" if options else "the options of the first pairing"
        if stale is False:
            print(f"Re-pair of {who}: the bond was not stale (the link encrypted with it); "
                  f"it was deleted and paired again anyway, with {which} ({used.describe()}).",
                  file=sys.stderr)
        else:
            deleted = ("the stale bond was deleted (the device no longer had it)" if stale
                       else "the bond blebench kept was deleted")
            print(f"Re-pair of {who}: {deleted}, then paired again with {which} "
                  f"({used.describe()}).", file=sys.stderr)
    code = _report(args, used, old.address, old.name, outcome,
                   extra={"bond_was_stale": stale, **(ladder or {})})
    if not outcome.ok and not args.json:
        print("  The old bond was put back as it was: nothing was lost.", file=sys.stderr)
    return code


def _report(args: argparse.Namespace, options: PairingOptions, address: str, name: str | None,
            outcome: PairingOutcome, *, extra: dict[str, Any] | None = None) -> int:
    from blebench.decode.text import printable

    step = next_step(args, options, outcome)
    if options.io is IoCapability.NO_INPUT_NO_OUTPUT and outcome.method == "just-works" \
            and outcome.ok:
        # Nobody was asked (this side has no input): said, so a script knows (stderr).
        print(JUST_WORKS_ACCEPTED, file=sys.stderr)
    if args.json:
        out: dict[str, Any] = {"device": {"address": address, "name": name},
                               "options": options.to_json(), "outcome": outcome.to_json(),
                               "next_step": step}
        if args.repair:
            out["repaired"] = outcome.ok
        out.update(extra or {})
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
            if failure.no_answer:
                print(f"Pairing with {who} failed: the device did not answer "
                      f"({failure.name}).", file=sys.stderr)
            else:
                print(f"Pairing with {who} failed: {code}{failure.name}{by}.", file=sys.stderr)
            print(f"  {failure.why}", file=sys.stderr)
        if step:
            print(f"  Next: {step}", file=sys.stderr)
    return 0 if outcome.ok else 1


def next_step(args: argparse.Namespace, options: PairingOptions,
              outcome: PairingOutcome) -> str | None:
    """What to try next, as a command line when one can be given. A suggested command keeps
    every option of the attempt (flags, key sizes, passkey, answers, timeout) and changes
    only what the failure points at."""
    failure = outcome.failure
    if failure is None:
        if not outcome.bonded and options.bonding:
            return "the peer did not set the bonding flag: the keys were not kept"
        return None
    # A failed --repair put the stale bond back: the next try must re-pair again too.
    repair = ["--repair"] if getattr(args, "repair", False) else []
    base = " ".join(["blebench pair", *radio_flags(args), _quote(args.device), *repair])

    def command(changed: PairingOptions, *, passkey: bool = True) -> str:
        return " ".join([base, *option_flags(changed), *_answer_flags(args, passkey=passkey)])

    if failure.no_answer and options.sc:
        return ("the peer ignored a Secure Connections request; legacy pairing may work: "
                f"{command(options.with_(sc=False))} (without --sc)")
    if failure.code == 0x03:
        wanted = options.with_(io=IoCapability.KEYBOARD_DISPLAY, mitm=True, sc=True)
        return (f"{command(wanted)} (passkey entry or numeric comparison give MITM "
                "protection); `blebench matrix --explain` shows why")
    if failure.declined:
        again = command(options).replace(" --confirm no", "")
        if " --confirm yes" not in again:
            again += " --confirm yes"  # the answer the prompt needs (stdin may be closed)
        return f"this side said no at the prompt; to pair, accept it: {again}"

    if failure.code == 0x04:
        return ("type the passkey exactly as the device shows it: "
                f"{command(options, passkey=False)} --passkey N")
    if failure.code == 0x06:
        longer = options.with_(max_key_size=KEY_SIZE_MAX)
        return f"{command(longer)} (the peer wants a longer key)"
    if failure.code == 0x05:
        return ("the device refuses to pair: it may keep an old bond with us; clear it on the "
                f"device and delete ours (blebench bonds delete ADDR), then {command(options)}")
    return None


def _answer_flags(args: argparse.Namespace, *, passkey: bool = True) -> list[str]:
    """The answers and the timeout given on this command line, to repeat them."""
    flags: list[str] = []
    if passkey and getattr(args, "passkey", None):
        flags += ["--passkey", _quote(str(args.passkey))]
    if getattr(args, "confirm", None):
        flags += ["--confirm", args.confirm]
    pair_timeout = getattr(args, "pair_timeout", DEFAULT_PAIR_TIMEOUT_S)
    if pair_timeout != DEFAULT_PAIR_TIMEOUT_S:
        flags += ["--pair-timeout", f"{pair_timeout:g}"]
    return flags
