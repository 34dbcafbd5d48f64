"""Which heard device a typed name means, as the Scan pane's filter matches: case-insensitive,
by any unique part of the name, with "did you mean ..." when nothing matches. Pure (records
in, a choice out): the session's finder (blebench.session.manager) polls it while it scans.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from blebench.session.models import DeviceRecord

__all__ = ["NameChoice", "choose_by_name", "did_you_mean"]


@dataclass(slots=True, frozen=True)
class NameChoice:
    """The record a name picks, or the distinct names it could mean (more than one: say
    which, never guess)."""

    record: DeviceRecord | None = None
    candidates: tuple[str, ...] = field(default_factory=tuple)
    exact: bool = False  # the whole name (in any case), not a part of it

    @property
    def ambiguous(self) -> bool:
        return self.record is None and len(self.candidates) > 1


def _best(records: list[DeviceRecord]) -> DeviceRecord:
    """Among records of one name: a connectable one, then the one heard last."""
    return max(records, key=lambda r: (r.connectable is not False, r.last_seen))


def choose_by_name(records: Iterable[DeviceRecord], text: str) -> NameChoice:
    """The exact name first (as typed, then in any case), then the one name that contains
    `text` in any case. Several names containing it: `candidates` lists them."""
    named = [r for r in records if r.name]
    exact = [r for r in named if r.name == text]
    if exact:
        return NameChoice(_best(exact), exact=True)
    needle = text.strip().casefold()
    if not needle:
        return NameChoice()
    folded = [r for r in named if (r.name or "").casefold() == needle]
    if folded:
        return NameChoice(_best(folded), exact=True)
    parts = [r for r in named if needle in (r.name or "").casefold()]
    names = sorted({r.name for r in parts if r.name})
    if len(names) == 1:
        return NameChoice(_best(parts))
    return NameChoice(candidates=tuple(names))


def did_you_mean(records: Iterable[DeviceRecord], text: str, n: int = 3) -> list[str]:
    """The heard names closest to `text` (typos such as `HID Keybaord`), best first."""
    names = sorted({r.name for r in records if r.name})
    by_fold = {name.casefold(): name for name in names}
    close = difflib.get_close_matches(text.strip().casefold(), list(by_fold), n=n, cutoff=0.6)
    return [by_fold[name] for name in close]
