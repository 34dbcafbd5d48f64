"""`blebench bonds`: list, delete, export and import the bonds blebench keeps."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from blebench.pairing.bonds import BondStore, KeysRefused
    from blebench.pairing.models import Bond


def register(sub: Any, radio_parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "bonds",
        help="the bonded devices blebench remembers (list, delete, export, import)",
        description="Bonds live in one private file (bonds.json in the data dir; 0600). "
        "Keys are never printed; `export` writes them, on purpose, to a private file, and "
        "`import` reads such a file back. With no ACTION: the same as `list`.",
    )
    parser.add_argument("--json", action="store_true", help="a JSON list of bonds (no keys)")
    actions = parser.add_subparsers(dest="bonds_action", metavar="ACTION")
    listing = actions.add_parser("list", help="the bonds, one a line (the default)")
    listing.add_argument("--json", dest="sub_json", action="store_true",
                         help="a JSON list of bonds (no keys)")
    delete = actions.add_parser("delete", help="forget the bond of one device")
    delete.add_argument("address", metavar="ADDR", help="its identity address, AA:BB:CC:DD:EE:FF")
    delete.add_argument("--json", dest="sub_json", action="store_true", help="say what happened as JSON")
    export = actions.add_parser(
        "export", help="write every bond WITH its keys to FILE (0600)",
        description="Write every bond with its keys to FILE, a new regular file (0600), "
        "atomically. Never to a FIFO, a device, a socket, a directory or through a symlink, "
        "even with --force.")
    export.add_argument("file", metavar="FILE", type=Path)
    export.add_argument("--force", action="store_true", help="replace FILE if it is a regular file")
    export.add_argument("--json", dest="sub_json", action="store_true", help="say what happened as JSON")
    imp = actions.add_parser(
        "import", help="add the bonds of a file `bonds export` wrote",
        description="Add the bonds (with their keys) of FILE, written by `blebench bonds "
        "export`. A bond of the same device for the same identity is replaced; the others are "
        "kept. A damaged file is refused whole: nothing is imported.")
    imp.add_argument("file", metavar="FILE", type=Path)
    imp.add_argument("--json", dest="sub_json", action="store_true", help="say what happened as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from blebench.pairing.bonds import BondFileProblem, BondStore

    store = BondStore()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BondFileProblem)  # reported below, in words
        store.bonds()
    said = _say_problems(store, 0)

    action = getattr(args, "bonds_action", None) or "list"
    as_json = bool(args.json or getattr(args, "sub_json", False))
    if action == "delete":
        return _delete(store, args.address, as_json)
    if action == "export":
        return _export(store, args.file, force=args.force, as_json=as_json)
    if action == "import":
        code = _import(store, args.file, as_json)
        _say_problems(store, said)
        return code
    return _list(store, as_json)


def _say_problems(store: BondStore, already: int) -> int:
    for problem in store.problems[already:]:
        print(f"blebench bonds: warning: {problem.message}", file=sys.stderr)
    return len(store.problems)


def _refused(action: str, err: KeysRefused, as_json: bool) -> int:
    if as_json:
        print(json.dumps(err.to_json()))
    print(f"blebench bonds {action}: {err}", file=sys.stderr)
    if err.next_step:
        print(f"next: {err.next_step}", file=sys.stderr)
    return err.exit_code


def _delete(store: BondStore, text: str, as_json: bool) -> int:
    from blebench.pairing.bonds import normalise_address

    try:
        address = normalise_address(text)
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


def _export(store: BondStore, target: Path, *, force: bool, as_json: bool) -> int:
    from blebench.pairing.bonds import KeysRefused

    try:
        count = store.export(target, replace=force)
    except KeysRefused as err:
        return _refused("export", err, as_json)
    except OSError as err:
        print(f"blebench bonds export: cannot write {target}: {err.strerror or err}; "
              "no keys written", file=sys.stderr)
        return 1
    where = target.parent.resolve() / target.name  # the target is a regular file, not a link
    if as_json:
        print(json.dumps({"file": str(target), "path": str(where), "bonds": count}))
    else:
        print(f"Wrote {count} bond(s) with their keys to {where} (a new file, readable by you "
              "only). Keep it secret: the keys let anyone impersonate these links.")
    return 0


def _import(store: BondStore, source: Path, as_json: bool) -> int:
    from blebench.pairing.bonds import KeysRefused

    try:
        result = store.import_file(source)
    except KeysRefused as err:
        return _refused("import", err, as_json)
    except OSError as err:
        print(f"blebench bonds import: cannot write the bond store {store.path}: "
              f"{err.strerror or err}; nothing imported", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps({
            "file": str(source),
            "added": [b.address for b in result.added],
            "replaced": [b.address for b in result.replaced],
            "unchanged": [b.address for b in result.unchanged],
            "bonds": len(store.bonds()),
        }))
        return 0
    for verb, bonds in (("Added", result.added), ("Replaced", result.replaced),
                        ("Unchanged", result.unchanged)):
        for bond in bonds:
            print(f"{verb:<9}  {_who(bond)}")
    total = len(result.added) + len(result.replaced) + len(result.unchanged)
    print(f"Imported {source}: {len(result.added)} added, {len(result.replaced)} replaced, "
          f"{len(result.unchanged)} unchanged, of {total} bond(s); {len(store.bonds())} bond(s) "
          f"now in {store.path}.")
    return 0


def _who(bond: Bond) -> str:
    from blebench.decode.text import printable

    name = f" ({printable(bond.name, 40)})" if bond.name else ""
    local = f", for our identity {bond.local_address}" if bond.local_address else ""
    return f"{bond.address}{name}{local}"


def _list(store: BondStore, as_json: bool) -> int:
    bonds = store.bonds()
    if as_json:
        print(json.dumps([bond.to_json() for bond in bonds], indent=2))
        return 0
    if not bonds:
        print(f"No bonds yet ({store.path}). `blebench pair DEVICE --bond` makes one.")
        return 0
    print(format_table(bonds))
    print(f"{len(bonds)} bond(s) in {store.path}")
    return 0


def format_table(bonds: list[Bond]) -> str:
    """Columns as wide as their widest value (in terminal cells: a name from the air may
    hold wide characters); names escaped, never interpreted."""
    from rich.cells import cell_len

    from blebench.decode.text import printable

    rows: list[tuple[str, ...]] = [("address", "type", "name", "security", "keys", "last used")]
    for bond in bonds:
        security = ("SC" if bond.sc else "legacy") + (
            ", authenticated" if bond.authenticated else ", unauthenticated")
        security += f", {bond.key_size * 8}-bit"
        keys = "+".join(k for k, on in (("LTK", bond.has_ltk), ("IRK", bond.has_irk)) if on) or "-"
        rows.append((bond.address, bond.address_type, printable(bond.name or "-", 32), security,
                     keys, bond.last_used or "-"))
    widths = [max(cell_len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell + " " * (width - cell_len(cell))
                  for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
