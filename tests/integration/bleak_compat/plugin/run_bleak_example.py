"""Run one of bleak's examples, unchanged, on blebench's virtual world.

    python run_bleak_example.py [--radio sim] EXAMPLE.py [ARGS...]

bleak's examples create `BleakScanner(...)` / `BleakClient(...)` without `backend=`;
here those get BumbleScanner / BumbleClient on `open_radio(--radio)` (default "sim").
"""

from __future__ import annotations

import runpy
import sys

from blebench_default_backend import install


def main(argv: list[str]) -> None:
    spec = "sim"
    if argv[:1] == ["--radio"]:
        spec, argv = argv[1], argv[2:]
    example, *args = argv
    install(spec)
    sys.argv = [example, *args]
    runpy.run_path(example, run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
