"""The one root of every error blebench shows a user: words, a next step, JSON and an exit code.

A leaf (it imports nothing of blebench), so every floor can raise under it: typed user input
(`blebench.userinput`), the backends, the virtual world's device files, the session. A face
(the CLI, the TUI) catches `BlebenchError` once and shows `describe()`, or `to_json()`
with `--json`, and leaves with `exit_code`:

| class | exit | JSON `error` |
| --- | --- | --- |
| `UserInputError` | 2 | `bad_input` (or a subclass's own name) |
| `SetupError` | 2 | its own name (`radio_unavailable`, ...) |
| `blebench.session.errors.DeviceError` | 1 | `device_not_found`, `timeout`, `att_error`, ... |

The JSON `error` names are public contract (README "JSON output"): never renamed.
"""

from __future__ import annotations

from typing import Any

EXIT_FAILURE = 1  # the device or the link failed
EXIT_BAD_INPUT = 2  # what was typed (or the setup it names) cannot be used


class BlebenchError(Exception):
    """A failure a user can act on: what happened and, when known, what to do next."""

    kind = "error"
    exit_code = EXIT_FAILURE

    def __init__(self, message: str = "", *, next_step: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.next_step = next_step

    def __str__(self) -> str:
        return self.message

    def describe(self) -> str:
        """Lines for a terminal: the error, then the next step when there is one."""
        out = f"error: {self}"
        if self.next_step:
            out += f"\nnext: {self.next_step}"
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "error": self.kind,
            "message": self.message,
            "code": None,
            "next_step": self.next_step,
        }


class UserInputError(BlebenchError, ValueError):
    """What the user typed cannot be used (a value, a filter, a target, an option): exit 2.
    Also a ValueError, as the parse errors it roots always were."""

    kind = "bad_input"
    exit_code = EXIT_BAD_INPUT


class SetupError(BlebenchError):
    """The radio or files the options name cannot be used (no adapter, a transport that does
    not open, a device file with a typo): exit 2, as a usage error."""

    kind = "setup_error"
    exit_code = EXIT_BAD_INPUT
