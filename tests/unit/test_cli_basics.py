from __future__ import annotations

import subprocess
import sys

import pytest

from blebench import __version__, cli, paths
from blebench.cli import COMMANDS, build_parser


def test_version_is_printed() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "blebench", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"blebench {__version__}"


def test_help_names_every_subcommand() -> None:
    help_text = build_parser().format_help()
    assert len(COMMANDS) == 18
    for name in COMMANDS:
        assert f"    {name}" in help_text, name


def test_an_unexpected_error_is_one_line_and_the_traceback_goes_to_the_log(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import blebench.commands.explain as explain

    def explode(args: object) -> int:
        raise ValueError("the radio caught fire")

    # register() binds `run` when the parser is built, so patch it before main() builds it.
    monkeypatch.setattr(explain, "run", explode)
    code = cli.main(["explain", "hci", "0x13"])
    err = capsys.readouterr().err
    assert code == 70
    assert err.count("\n") == 1
    assert "ValueError: the radio caught fire" in err
    assert "Traceback" in paths.log_file().read_text()
