"""Fail when a module of blebench/commands/ is under the floor (line coverage, CLI
subprocesses included): `python .ci/coverage_floor.py [FLOOR]` after `coverage combine`."""

from __future__ import annotations

import sys
from pathlib import PurePath

import coverage

FLOOR = float(sys.argv[1]) if len(sys.argv) > 1 else 80.0


def main() -> int:
    cov = coverage.Coverage()
    cov.load()
    rows = []
    for path in sorted(cov.get_data().measured_files()):
        parts = PurePath(path).parts
        if parts[-3:-1] != ("blebench", "commands") or parts[-1] == "__init__.py":
            continue
        _, statements, _, missing, _ = cov.analysis2(path)
        percent = 100.0 * (len(statements) - len(missing)) / len(statements) if statements else 100.0
        rows.append((percent, "/".join(parts[-3:]), len(statements), len(missing)))
    if not rows:
        print("coverage floor: no blebench/commands/ module was measured", file=sys.stderr)
        return 1
    for percent, name, statements, missing in sorted(rows):
        print(f"{percent:5.1f} %  {name}  ({statements} statements, {missing} missed)")
    under = [row for row in rows if row[0] < FLOOR]
    if under:
        names = ", ".join(f"{name} {percent:.0f} %" for percent, name, *_ in sorted(under))
        print(f"coverage floor: under {FLOOR:.0f} %: {names}", file=sys.stderr)
        return 1
    print(f"coverage floor: every blebench/commands/ module at {FLOOR:.0f} % or more")
    return 0


if __name__ == "__main__":
    sys.exit(main())
