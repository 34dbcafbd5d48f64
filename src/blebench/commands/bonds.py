"""`blebench bonds`: list, delete and export the bonds blebench keeps."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import Any


def register(sub: Any, radio_parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "bonds",
        help="the bonded devices blebench remembers (list, delete, export)",
        description="Bonds live in one private file (bonds.json in the data dir; 0600). "
        "Keys are never printed; `export` writes them, on purpose, to a private file.",
    )
    parser.add_argument("--json", action="store_true", help="a JSON list of bonds (no keys)")
    actions = parser.add_subparsers(dest="bonds_action", metavar="ACTION")
    delete = actions.add_parser("delete", help="forget the bond of one device")
    delete.add_argument("address", metavar="ADDR", help="its identity address, AA:BB:CC:DD:EE:FF")
    delete.add_argument("--json", dest="sub_json", action="store_true", help="say what happened as JSON")
    export = actions.add_parser("export", help="write every bond WITH its keys to FILE (0600)")
    export.add_argument("file", metavar="FILE", type=Path)
    export.add_argument("--force", action="store_true", help="replace FILE if it exists")
    export.add_argument("--json", dest="sub_json", action="store_true", help="say what happened as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from blebench.pairing.bonds import BondFileProblem, BondStore, normalise_address

    store = BondStore()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BondFileProblem)  # reported below, in words
        store.bonds()
    for problem in store.problems:
        print(f"blebench bonds: warning: {problem.message}", file=sys.stderr)

    action = getattr(args, "bonds_action", None)
    as_json = bool(args.json or getattr(args, "sub_json", False))
    if action == "delete":
        try:
            address = normalise_address(args.address)
        except ValueError as err:
            print(f"blebench bonds delete: {err}", file=sys.stderr)
            return 2
        deleted = store.delete(address)
        if as_json:
            print(json.dumps({"address": address, "deleted": deleted}))
        elif deleted:
            print(f"Forgot the bond with {address}. The device may still remember us: "
                  "clear its bond too before pairing again.")
        else:
            print(f"blebench bonds delete: no bond with {address} "
                  "(`blebench bonds` lists them)", file=sys.stderr)
        return 0 if deleted else 1
    if action == "export":
        target: Path = args.file
        if target.is_dir():
            print(f"blebench bonds export: {target} is a folder: give a file name",
                  file=sys.stderr)
            return 2
        if not target.parent.is_dir():
            # A typo in the folder: never made silently for a file of secrets.
            print(f"blebench bonds export: {target.parent} is not a folder here: "
                  "check the path (or make the folder first)", file=sys.stderr)
            return 2
        if target.exists() and not args.force:
            print(f"blebench bonds export: {target} exists; use --force to replace it",
                  file=sys.stderr)
            return 2
        try:
            count = store.export(target)
        except OSError as err:
            print(f"blebench bonds export: cannot write {target}: {err.strerror}", file=sys.stderr)
            return 1
        if as_json:
            print(json.dumps({"file": str(target), "bonds": count}))
        else:
            print(f"Wrote {count} bond(s) with their keys to {target} (readable by you only). "
                  "Keep it secret: the keys let anyone impersonate these links.")
        return 0

    bonds = store.bonds()
    if args.json:
        print(json.dumps([bond.to_json() for bond in bonds], indent=2))
        return 0
    if not bonds:
        print(f"No bonds yet ({store.path}). `blebench pair DEVICE --bond` makes one.")
        return 0
    from blebench.decode.text import printable

    print(f"{'address':<17}  {'type':<6}  {'name':<20}  {'security':<26}  {'keys':<7}  last used")
    for bond in bonds:
        security = ("SC" if bond.sc else "legacy") + (", authenticated" if bond.authenticated
                                                       else ", unauthenticated")
        security += f", {bond.key_size * 8}-bit"
        keys = "+".join(k for k, on in (("LTK", bond.has_ltk), ("IRK", bond.has_irk)) if on) or "-"
        print(f"{bond.address:<17}  {bond.address_type:<6}  {printable(bond.name or '-', 20):<20}  "
              f"{security:<26}  {keys:<7}  {bond.last_used or '-'}")
    print(f"{len(bonds)} bond(s) in {store.path}")
    return 0
