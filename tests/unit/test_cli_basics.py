from __future__ import annotations

import importlib.util
import subprocess
import sys

from blebench import __version__
from blebench.cli import COMMANDS, build_parser


def test_version_is_printed() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "blebench", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"blebench {__version__}"


def test_help_names_every_landed_subcommand() -> None:
    help_text = build_parser().format_help()
    landed = [n for n in COMMANDS if importlib.util.find_spec(f"blebench.commands.{n}")]
    for name in landed:
        assert f"    {name}" in help_text, name
