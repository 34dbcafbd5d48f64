"""Pairing figures: the 1,600-row matrix, and live lab runs (real SMP between two Bumble devices)."""

from __future__ import annotations

import asyncio
import logging
import time

from blebench.pairing.matrix import all_combinations, row
from blebench.stack.lab import parse_side, run_lab

LAB_CASES = [
    ("io=no-input-no-output,no-sc", "io=no-input-no-output"),  # legacy just works
    ("io=display-yes-no,mitm", "io=keyboard-display,mitm"),  # SC numeric comparison
    ("io=keyboard-only,mitm", "io=display-only"),  # SC passkey entry: 20 rounds
]


def run(quick: bool) -> dict[str, object]:
    logging.getLogger("bumble").addHandler(logging.NullHandler())
    figures: dict[str, object] = {}
    repeats = 3 if quick else 20
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        rows = [row(i, r) for i, r in all_combinations()]
        best = min(best, time.perf_counter() - started)
    figures["pairing_matrix_1600_rows_ms"] = round(best * 1000, 2)
    figures["pairing_matrix_rows"] = len(rows)

    async def labs() -> None:
        await run_lab(parse_side(LAB_CASES[0][0]), parse_side(LAB_CASES[0][1]))  # warm imports
        for initiator, responder in LAB_CASES:
            times = []
            for _ in range(2 if quick else 10):
                result = await run_lab(parse_side(initiator), parse_side(responder))
                times.append(result.seconds)
            times.sort()
            method = result.observed.method + ("-sc" if result.observed.sc else "-legacy")
            figures[f"pairing_lab_{method}_ms_median"] = round(times[len(times) // 2] * 1000, 1)

    asyncio.run(labs())
    return figures
