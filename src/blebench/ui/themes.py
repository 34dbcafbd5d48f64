"""Themes from files: the ones shipped in `blebench/themes/*.toml` plus the user's own
in `blebench.paths.user_themes_dir()`, each validated, then turned into a Textual `Theme`.

A theme file is flat TOML with the fields of `textual.theme.Theme`:

    name = "my-theme"          # required: lowercase letters, digits and dashes
    dark = true
    primary = "#2FB6D8"        # required; any colour Textual parses
    accent = "#F2A03D"         # optional: secondary, warning, error, success, foreground,
                               # background, surface, panel, boost
    luminosity_spread = 0.15   # optional numbers
    [variables]                # optional Textual design variables ("footer-key-foreground")
    block-cursor-background = "#2FB6D8"

A file that fails (bad TOML, missing `primary`, a colour that does not parse, an unknown
key) is skipped and its problem collected; the app shows all of them once. A user theme
with the name of a shipped one replaces it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from blebench import paths

_COLOR_KEYS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
_NUMBER_KEYS = ("luminosity_spread", "text_alpha")
_KNOWN_KEYS = frozenset(("name", "dark", "variables", *_COLOR_KEYS, *_NUMBER_KEYS))
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_VARIABLE = re.compile(r"^[a-z][a-z0-9-]{0,63}$")
MAX_THEME_FILE_BYTES = 64 * 1024


class ThemeFileError(ValueError):
    """A theme file that cannot be used, with the reason in words."""


@dataclass(slots=True)
class ThemeSet:
    themes: dict[str, Theme] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # theme name -> file it came from
    problems: list[str] = field(default_factory=list)


def _color(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise ThemeFileError(f"{key}: expected a colour string, got {value!r}")
    try:
        Color.parse(value)
    except ColorParseError:
        raise ThemeFileError(f"{key}: {value!r} is not a colour") from None
    return value


def theme_from_mapping(data: dict[str, Any]) -> Theme:
    """A Textual Theme from a parsed theme file; raises ThemeFileError saying what is wrong."""
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise ThemeFileError(f"unknown key(s): {', '.join(unknown)}")
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ThemeFileError(
            f"name: expected lowercase letters, digits and dashes, got {name!r}"
        )
    if "primary" not in data:
        raise ThemeFileError("primary: a theme needs a primary colour")
    colors = {key: _color(key, data[key]) for key in _COLOR_KEYS if key in data}
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeFileError(f"dark: expected true or false, got {dark!r}")
    numbers: dict[str, float] = {}
    for key in _NUMBER_KEYS:
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ThemeFileError(f"{key}: expected a number, got {value!r}")
            if not 0.0 <= float(value) <= 1.0:
                raise ThemeFileError(f"{key}: must be between 0 and 1, got {value!r}")
            numbers[key] = float(value)
    variables_raw = data.get("variables", {})
    if not isinstance(variables_raw, dict):
        raise ThemeFileError("variables: expected a table")
    variables: dict[str, str] = {}
    for key, value in variables_raw.items():
        if not _VARIABLE.match(key):
            raise ThemeFileError(f"variables: {key!r} is not a variable name")
        if not isinstance(value, str):
            raise ThemeFileError(f"variables.{key}: expected a string, got {value!r}")
        variables[key] = value
    return Theme(
        name=name,
        primary=colors["primary"],
        secondary=colors.get("secondary"),
        warning=colors.get("warning"),
        error=colors.get("error"),
        success=colors.get("success"),
        accent=colors.get("accent"),
        foreground=colors.get("foreground"),
        background=colors.get("background"),
        surface=colors.get("surface"),
        panel=colors.get("panel"),
        boost=colors.get("boost"),
        dark=dark,
        luminosity_spread=numbers.get("luminosity_spread", 0.15),
        text_alpha=numbers.get("text_alpha", 0.95),
        variables=variables,
    )


def parse_theme_file(raw: bytes) -> Theme:
    if len(raw) > MAX_THEME_FILE_BYTES:
        raise ThemeFileError(f"larger than {MAX_THEME_FILE_BYTES // 1024} KiB")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ThemeFileError("not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"not valid TOML ({exc})") from None
    return theme_from_mapping(data)


def _add(found: ThemeSet, label: str, raw: bytes) -> None:
    try:
        theme = parse_theme_file(raw)
    except ThemeFileError as exc:
        found.problems.append(f"theme {label}: {exc}")
        return
    found.themes[theme.name] = theme
    found.sources[theme.name] = label


def shipped_themes(found: ThemeSet | None = None) -> ThemeSet:
    found = found or ThemeSet()
    folder = resources.files("blebench").joinpath("themes")
    entries = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".toml")),
        key=lambda entry: entry.name,
    )
    for entry in entries:
        _add(found, f"blebench/themes/{entry.name}", entry.read_bytes())
    return found


def user_themes(folder: Path | None = None, found: ThemeSet | None = None) -> ThemeSet:
    found = found or ThemeSet()
    folder = folder or paths.user_themes_dir()
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.toml")):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            found.problems.append(f"theme {path}: cannot be read ({exc.strerror})")
            continue
        _add(found, str(path), raw)
    return found


def load_all(user_folder: Path | None = None) -> ThemeSet:
    """Shipped themes, then the user's (which may replace a shipped one by name)."""
    found = shipped_themes()
    return user_themes(user_folder, found)
