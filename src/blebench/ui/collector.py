"""Python's garbage collector set for a UI that must answer keys under a flood.

A full (generation 2) collection walks every tracked object: at 160x45 under 5,000
notifications/s and 2,000 advertisements/s the App holds some 300,000 (Textual's cached
strips alone are tens of thousands), and CPython's defaults ran one about every second,
each 100-180 ms on a loaded 2-core machine: the keys that met one waited that long
(benchmarks/bench_tui_flood.py measured p95 200-300 ms for a pane switch; 75 ms after).

Once the main screen is up, what exists then (modules, Textual, Bumble, bleak, the panes:
over half the objects) is moved out of the collector's walk for good (`gc.freeze`), and
full collections come ten times less often. Only the `blebench tui` process does this
(`make_app(steady_gc=True)`): in a test process that builds many Apps, frozen objects
would never be freed.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger("blebench.ui")

# Generation-1 collections between two full ones (CPython's default is 10). Cyclic garbage
# waits longer to be freed: at most about 700 x 10 x 100 allocations, a few MB.
FULL_COLLECTION_EVERY = 100


def settle_collector() -> None:
    """Collect once, freeze what survives, and space out the full collections."""
    gc.collect()
    gc.freeze()
    first, second, _ = gc.get_threshold()
    gc.set_threshold(first, second, FULL_COLLECTION_EVERY)
    log.debug("garbage collector: %d objects frozen, thresholds %s",
              gc.get_freeze_count(), gc.get_threshold())
