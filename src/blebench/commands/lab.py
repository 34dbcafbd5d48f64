"""`blebench lab`: pair two in-process Bumble devices with real SMP and check the matrix."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from typing import Any

from blebench.commands.radio import seconds

SIDE_HELP = (
    "comma-separated: io=IO (display-only, display-yes-no, keyboard-only, no-input-no-output, "
    "keyboard-display), mitm, sc, oob, bond, keypress, max-key=N, min-key=N, requires-mitm, "
    "sc-only, not-pairable; no-X clears X (sc and bond are on by default)"
)


def register(sub: Any, radio_parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "lab",
        help="pair two in-process Bumble devices live and compare with the matrix",
        description="Run one pairing combination with real SMP between two Bumble devices on "
        "an in-process link: the PDU ladder, the predicted and the observed outcome. Exits 1 "
        "when they disagree (a pairing that fails as predicted is agreement).",
        epilog="example: blebench lab --initiator io=keyboard-display,mitm,sc,bond "
        "--responder io=display-only,mitm,requires-mitm",
    )
    parser.add_argument("--initiator", default="io=no-input-no-output", metavar="OPTIONS",
                        help=f"the central's options: {SIDE_HELP}")
    parser.add_argument("--responder", default="io=no-input-no-output", metavar="OPTIONS",
                        help="the peripheral's options, same syntax")
    parser.add_argument("--passkey", metavar="N",
                        help="the passkey the displaying side shows (1..999999; default random; "
                        "typed on both sides when neither can display: default 123456)")
    parser.add_argument("--reject-numeric", action="store_true",
                        help="answer 'no' to numeric comparison")
    parser.add_argument("--timeout", type=seconds, default=10.0, metavar="S",
                        help="give up after S seconds (default 10)")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from blebench.pairing.delegate import given_passkey
    from blebench.pairing.lab import parse_side

    try:
        initiator = parse_side(args.initiator)
        responder = parse_side(args.responder)
        passkey = given_passkey(args.passkey)
    except ValueError as err:
        print(f"blebench lab: {err}", file=sys.stderr)
        return 2
    # Bumble logs failures it also reports to us; keep them out of the user's terminal.
    logging.getLogger("bumble.smp").setLevel(logging.ERROR)
    from blebench.session.pairing import run_lab

    try:
        result = asyncio.run(run_lab(initiator, responder, passkey=passkey,
                                     confirm=not args.reject_numeric, timeout=args.timeout))
    except TimeoutError:
        # Pairing timeouts are observations; only the lab's own connect ends here.
        print(f"blebench lab: the two lab devices did not connect within {args.timeout:g} s: "
              "give a longer --timeout (the default 10 s is plenty)", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print_result(result)
    return 0 if result.agree else 1


def _fields_text(fields: dict[str, Any]) -> str:
    parts = []
    for key, value in fields.items():
        if isinstance(value, list):
            value = "+".join(value) or "none"
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        parts.append(f"{key}={value}")
    return " ".join(parts)


def print_result(result: Any) -> None:
    print(f"Initiator (central):    {result.initiator.describe()}")
    print(f"Responder (peripheral): {result.responder.describe()}")
    print()
    print(f"{'ms':>8}  {'':31}  PDU")
    repeats = 0
    steps = result.ladder
    for index, step in enumerate(steps):
        # SC passkey entry repeats Confirm/Confirm/Random/Random 20 times: fold the rounds.
        if index >= 4 and (step.sender, step.pdu) == (steps[index - 4].sender, steps[index - 4].pdu) \
                and step.pdu in ("Pairing Confirm", "Pairing Random"):
            repeats += 1
            continue
        if repeats:
            print(f"{'':>8}  {'...':^31}  ({repeats // 4} more confirm/random rounds)")
            repeats = 0
        if step.sender is None:
            print(f"{step.ms:8.2f}  {'~~ ' + step.pdu.lower() + ' ~~':^31}")
            continue
        arrow = "─────────▶" if step.sender == "initiator" else "◀─────────"
        print(f"{step.ms:8.2f}  {'initiator':9} {arrow} {'responder':9}  {step.pdu}"
              + (f"  [{_fields_text(step.fields)}]" if step.fields else ""))
    if repeats:
        print(f"{'':>8}  ({repeats // 4} more confirm/random rounds)")
    print()
    print(f"Predicted: {result.predicted.summary()}")
    print(f"Observed:  {result.observed.summary()}")
    if result.observed.failure is not None:
        print(f"           {result.observed.failure.why}")
    if result.agree:
        print(f"AGREE: the live SMP exchange did what the matrix predicts ({result.seconds * 1000:.0f} ms).")
    else:
        print("DISAGREE: the live SMP exchange differs from the matrix:")
        for difference in result.differences:
            print(f"  !! {difference}")
