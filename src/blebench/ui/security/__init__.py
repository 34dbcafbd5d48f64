"""The Security pane: pairing options, Pair with prompts, the matrix, the lab ladder, bonds."""

from blebench.ui.security.pane import SecurityPane

__all__ = ["SecurityPane"]
