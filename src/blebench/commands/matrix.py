"""`blebench matrix`: what every combination of pairing options gives, and why."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from blebench.pairing.models import IoCapability, PairingOptions

IO_NAMES = [io.value for io in IoCapability]
METHODS = ("just-works", "numeric-comparison", "passkey-entry", "oob")


def add_side_options(parser: argparse.ArgumentParser, *, dimensions: bool = True) -> None:
    """Per-side pairing options: `--initiator-X` / `--responder-X`, and a few for both sides."""
    for side in ("initiator", "responder"):
        group = parser.add_argument_group(f"{side} options")
        if dimensions:
            group.add_argument(f"--{side}-io", choices=IO_NAMES, metavar="IO",
                               help=f"IO capability: {', '.join(IO_NAMES)}")
            for flag, what in (("mitm", "sets the MITM flag"), ("sc", "sets the SC flag"),
                               ("oob", "sets the OOB data flag")):
                group.add_argument(f"--{side}-{flag}", action=argparse.BooleanOptionalAction,
                                   default=None, help=f"the {side} {what}")
        group.add_argument(f"--{side}-bonding", action=argparse.BooleanOptionalAction,
                           default=None, help=f"the {side} sets the bonding flag (default: yes)")
        group.add_argument(f"--{side}-keypress", action=argparse.BooleanOptionalAction,
                           default=None, help=f"the {side} asks for keypress notifications")
        group.add_argument(f"--{side}-max-key-size", type=int, metavar="N",
                           help="Maximum Encryption Key Size it sends (7..16, default 16)")
        group.add_argument(f"--{side}-min-key-size", type=int, metavar="N",
                           help="policy: the smallest key it accepts (7..16, default 7)")
        group.add_argument(f"--{side}-requires-mitm", action="store_true",
                           help="policy: refuse pairing without MITM protection (0x03)")
        group.add_argument(f"--{side}-sc-only", action="store_true",
                           help="policy: Secure Connections Only mode (level 4 or nothing)")
        group.add_argument(f"--{side}-not-pairable", action="store_true",
                           help="policy: refuse every pairing (0x05)")
    both = parser.add_argument_group("both sides")
    if dimensions:
        both.add_argument("--sc", action=argparse.BooleanOptionalAction, default=None,
                          help="both sides set (or clear) the SC flag")
        both.add_argument("--mitm", action=argparse.BooleanOptionalAction, default=None,
                          help="both sides set (or clear) the MITM flag")
    both.add_argument("--sc-only", action="store_true", help="policy: both in SC Only mode")
    both.add_argument("--min-key-size", type=int, metavar="N",
                      help="policy: both sides' smallest accepted key (7..16)")


def _side_value(args: argparse.Namespace, side: str, name: str) -> Any:
    value = getattr(args, f"{side}_{name}", None)
    if value is None and name in ("sc", "mitm"):
        value = getattr(args, name, None)
    return value


def side_base(args: argparse.Namespace, side: str) -> PairingOptions:
    """The non-dimension options of one side (bonding, key sizes, policies). Raises ValueError."""
    changes: dict[str, Any] = {}
    for name in ("bonding", "keypress", "max_key_size", "min_key_size"):
        value = getattr(args, f"{side}_{name}", None)
        if value is None and name == "min_key_size":
            value = args.min_key_size
        if value is not None:
            changes[name] = value
    changes["requires_mitm"] = getattr(args, f"{side}_requires_mitm")
    changes["sc_only"] = getattr(args, f"{side}_sc_only") or args.sc_only
    changes["pairable"] = not getattr(args, f"{side}_not_pairable")
    return PairingOptions(**changes)


def side_filter(args: argparse.Namespace, side: str) -> dict[str, Any]:
    """The dimensions (io, mitm, sc, oob) fixed on the command line for one side."""
    fixed: dict[str, Any] = {}
    if (io := getattr(args, f"{side}_io", None)) is not None:
        fixed["io"] = IoCapability.from_name(io)
    for name in ("mitm", "sc", "oob"):
        if (value := _side_value(args, side, name)) is not None:
            fixed[name] = value
    return fixed


def register(sub: Any, radio_parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "matrix",
        help="what each combination of pairing options gives (Core spec, no radio)",
        description="Predict LE pairing for every combination of both sides' IO capability, "
        "MITM, SC and OOB flags (1,600 rows), exact to the Core spec (Vol 3 Part H 2.3.5.1). "
        "Options of one side filter the rows; policy options (requires MITM, SC only, key "
        "sizes) apply to every row and add a failure beside the method.",
        epilog=LEGEND,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="a JSON list of rows")
    parser.add_argument("--method", choices=METHODS, help="only rows with this method")
    parser.add_argument("--fails", action=argparse.BooleanOptionalAction, default=None,
                        help="only rows that fail (or, with --no-fails, that succeed)")
    parser.add_argument("--explain", action="store_true",
                        help="explain one combination step by step (options not given "
                        "take their defaults: no MITM, SC, no OOB, no-input-no-output)")
    add_side_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from blebench.pairing.matrix import all_combinations, explain_steps, predict

    try:
        ibase, rbase = side_base(args, "initiator"), side_base(args, "responder")
        ifix, rfix = side_filter(args, "initiator"), side_filter(args, "responder")
    except ValueError as err:
        print(f"blebench matrix: {err}", file=sys.stderr)
        return 2

    if args.explain:
        initiator, responder = ibase.with_(**ifix), rbase.with_(**rfix)
        steps = explain_steps(initiator, responder)
        if args.json:
            print(json.dumps({"initiator": initiator.to_json(), "responder": responder.to_json(),
                              "outcome": predict(initiator, responder).to_json(),
                              "steps": steps}, indent=2))
        else:
            for number, step in enumerate(steps, 1):
                print(f"{number:2d}. {step}")
        return 0

    rows = []
    for initiator, responder in all_combinations(ibase, rbase):
        if any(getattr(initiator, k) != v for k, v in ifix.items()):
            continue
        if any(getattr(responder, k) != v for k, v in rfix.items()):
            continue
        outcome = predict(initiator, responder)
        if args.method and outcome.method != args.method:
            continue
        if args.fails is not None and args.fails == outcome.ok:
            continue
        rows.append((initiator, responder, outcome))

    if args.json:
        print(json.dumps([{"initiator": i.to_json(), "responder": r.to_json(),
                           "outcome": o.to_json()} for i, r, o in rows]))
        return 0
    print_table(rows)
    return 0


def _flags(o: PairingOptions) -> str:
    return "".join(c if on else "." for c, on in (("M", o.mitm), ("S", o.sc), ("O", o.oob)))


def print_table(rows: list[Any]) -> None:
    header = f"{'initiator':<19} {'MSO':<3}  {'responder':<19} {'MSO':<3}  {'pairing':<7} {'method':<18} {'shows/types':<21} {'auth':<4} lvl  result"
    print(header)
    print("-" * len(header))
    for i, r, o in rows:
        who = f"{o.passkey_display}/{o.passkey_input}" if o.method == "passkey-entry" else (
            "both/none" if o.method == "numeric-comparison" else "-")
        result = "ok" + (", bonded" if o.bonded else "") if o.ok else (
            f"FAIL 0x{o.failure.code:02X} {o.failure.name} ({o.failure.by})")
        print(f"{i.io.value:<19} {_flags(i):<3}  {r.io.value:<19} {_flags(r):<3}  "
              f"{'SC' if o.sc else 'legacy':<7} {o.method:<18} {who:<21} "
              f"{'yes' if o.authenticated else 'no':<4} {o.security_level:<4} {result}")
    print(f"{len(rows)} combination(s). `--explain` with the options of one row says why.")
    print(LEGEND)


# What each column means: printed under the table (where the terminal ends) and in --help.
LEGEND = """\
Columns:
  initiator, responder  the IO capability each side sends in its Pairing Request / Response
  MSO                   the AuthReq flags that side sets: M MITM, S Secure Connections,
                        O OOB data present ("." = clear; e.g. "MS." = MITM and SC, no OOB)
  pairing               SC: LE Secure Connections (both set S); legacy: LE legacy pairing
  method                just-works, numeric-comparison, passkey-entry or oob
                        (Vol 3 Part H 2.3.5.1, tables 2.6-2.8)
  shows/types           passkey entry: which side shows the passkey / which types it;
                        numeric comparison: both show the number ("both/none")
  auth                  whether the keys are authenticated (MITM protection)
  lvl                   LE security mode 1 level: 1 none, 2 unauthenticated encryption,
                        3 authenticated, 4 authenticated LE Secure Connections
  result                ok (and bonded when both set bonding), or FAIL with the SMP
                        Pairing Failed reason, its name and the side that sends it"""
