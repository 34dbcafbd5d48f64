"""Where blebench keeps files (platformdirs), overridable for tests.

`BLEBENCH_HOME` points every directory below one root, so tests and scripts never
touch the user's real config, bonds or logs.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "blebench"


def _root() -> Path | None:
    home = os.environ.get("BLEBENCH_HOME")
    return Path(home) if home else None


def config_dir() -> Path:
    root = _root()
    return root / "config" if root else Path(platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    root = _root()
    return root / "data" if root else Path(platformdirs.user_data_dir(APP))


def log_dir() -> Path:
    root = _root()
    return root / "log" if root else Path(platformdirs.user_log_dir(APP))


def config_file() -> Path:
    return config_dir() / "config.toml"


def bonds_file() -> Path:
    return data_dir() / "bonds.json"


def sim_bonds_file() -> Path:
    """The virtual world's devices' own bonds (their "flash"): a virtual lock remembers a
    central across runs as a real one does, until it is told to forget."""
    return data_dir() / "sim-bonds.json"


def sim_world_file() -> Path:
    """What `blebench sim` set on the virtual world's devices (distance, off, battery, ...),
    applied at every start of the world until changed or reset."""
    return data_dir() / "sim-world.json"


def user_themes_dir() -> Path:
    return data_dir() / "themes"


def user_sim_devices_file() -> Path:
    return data_dir() / "sim-devices.toml"


def log_file() -> Path:
    return log_dir() / "blebench.log"
