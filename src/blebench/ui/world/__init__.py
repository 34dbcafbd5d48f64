"""The Virtual world screen: the running world's devices under the user's hand (W)."""

from __future__ import annotations

from blebench.ui.world.screen import WorldScreen

WORLD_KEY = "W"

__all__ = ["WORLD_KEY", "WorldScreen"]
