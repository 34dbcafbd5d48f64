"""CI tests the installed package, not the checkout.

`.ci/run` installs blebench non-editable into a fresh venv; the code lives in `src/`, so
neither pytest's rootdir on `sys.path` nor `python -m blebench` from the repository root
can pick up the source tree instead. A packaging mistake (a module or data file missing
from the wheel) then fails here, in CI, rather than for the first user. Locally (editable
install, CI unset) the checkout is what is meant, and the test says so by skipping.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import blebench

REPO = Path(__file__).resolve().parents[2]
in_ci = pytest.mark.skipif(
    os.environ.get("CI", "").lower() not in {"1", "true", "yes"},
    reason="CI only: a development checkout runs its editable install on purpose",
)


def _inside_checkout(path: str | Path) -> bool:
    # The checkout's own source tree; CI's .venv sits inside the clone, so site-packages under
    # it is the installed package, not the checkout.
    return Path(path).resolve().is_relative_to(REPO / "src")


@in_ci
def test_the_tests_import_the_installed_package() -> None:
    assert not _inside_checkout(blebench.__file__), (
        f"blebench was imported from the checkout ({blebench.__file__}), "
        "not from the installed package"
    )


@in_ci
def test_python_m_blebench_from_the_repository_root_runs_the_installed_package() -> None:
    code = "import blebench; print(blebench.__file__)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert not _inside_checkout(out.stdout.strip()), out.stdout
    version = subprocess.run(
        [sys.executable, "-m", "blebench", "--version"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip() == f"blebench {blebench.__version__}"


def test_the_package_data_the_tui_needs_is_next_to_the_modules() -> None:
    """The stylesheet and themes are read from the package folder (package-data)."""
    here = Path(blebench.__file__).parent
    assert (here / "ui" / "app.tcss").is_file()
    assert list((here / "themes").glob("*.toml"))
    assert (here / "py.typed").is_file()
