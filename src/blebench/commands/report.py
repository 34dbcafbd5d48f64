"""Errors as a command ends with them: words on stderr, a JSON error object on stdout with
`--json`, and the exit code the error carries (1: the device or link failed, 2: bad input
or setup). A leaf of `commands/`: `common` and `radio` both report through it.
"""

from __future__ import annotations

import json
import sys

from blebench.errors import BlebenchError, UserInputError


def as_blebench_error(exc: BaseException) -> BlebenchError:
    """`exc` as the error a user is shown: a plain ValueError (an option check) is bad input."""
    if isinstance(exc, BlebenchError):
        return exc
    return UserInputError(str(exc))


def report_error(exc: BaseException, as_json: bool) -> int:
    """Print a failure in words (stderr) and, with --json, as an object (stdout); the exit
    status: 1 for a device or link failure, 2 for bad input."""
    error = as_blebench_error(exc)
    print(f"blebench: {error.describe()}", file=sys.stderr)
    if as_json:
        print(json.dumps(error.to_json()))
    return error.exit_code
