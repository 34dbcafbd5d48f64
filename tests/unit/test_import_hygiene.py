"""The headless layers must import without Textual (and decode without Bumble's stack).

Each module is imported in a fresh interpreter so that nothing imported by another test
can hide a leak (harlequin's import-hygiene test does the same).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEADLESS = [
    "blebench.decode.payload",
    "blebench.decode.gatt_values",
    "blebench.decode.hid",
    "blebench.decode.codes",
    "blebench.pairing.matrix",
    "blebench.session.manager",
    "blebench.cli",
]


def _loaded_after_import(module: str) -> set[str]:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


@pytest.mark.parametrize("module", HEADLESS)
def test_headless_module_does_not_load_textual(module: str) -> None:
    loaded = _loaded_after_import(module)
    assert "textual" not in loaded


@pytest.mark.parametrize("module", [m for m in HEADLESS if m.startswith("blebench.decode")])
def test_decoders_do_not_load_the_bumble_stack(module: str) -> None:
    loaded = _loaded_after_import(module)
    assert not {"bumble.device", "bumble.host", "bleak.backends.client"} & loaded
