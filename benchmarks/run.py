"""The one entry for blebench's speed and memory figures.

Each `benchmarks/bench_*.py` module exposes `run(quick: bool) -> dict[str, object]`;
this script runs them all (or the ones named) and prints the figures, as a table or as
one JSON object with `--json`. Figures, never asserts: the machine's noise is reported,
not judged here.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover() -> list[str]:
    return sorted(p.stem for p in HERE.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke check")
    parser.add_argument("--json", action="store_true", help="one JSON object of all figures")
    parser.add_argument("only", nargs="*", help="bench modules to run (e.g. bench_decode)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    figures: dict[str, object] = {}
    for name in args.only or discover():
        module = importlib.import_module(name)
        started = time.perf_counter()
        result = module.run(args.quick)
        figures.update(result)
        if not args.json:
            print(f"# {name} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    if args.json:
        print(json.dumps(figures, indent=2, sort_keys=True))
    else:
        width = max((len(k) for k in figures), default=0)
        for key, value in figures.items():
            print(f"{key:<{width}}  {json.dumps(value)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
