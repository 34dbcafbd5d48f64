"""Settings and themes from files: round trips, clear problems, nothing lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from blebench import paths
from blebench.ui import settings as settings_mod
from blebench.ui.themes import ThemeFileError, load_all, parse_theme_file


def test_settings_default_when_no_file() -> None:
    loaded = settings_mod.load()
    assert loaded.ui.theme == "blebench-dark"
    assert loaded.scan.mode == "active"
    assert loaded.problems == []
    assert loaded.path == paths.config_file()


def test_settings_round_trip_through_the_config_file() -> None:
    loaded = settings_mod.load()
    loaded.ui.theme = 'odd "name" \\ here'
    loaded.scan.mode = "passive"
    loaded.scan.min_rssi = -70
    loaded.ui.refresh_hz = 12.5
    written = loaded.save()
    assert written == paths.config_file()
    again = settings_mod.load()
    assert again == loaded
    assert again.problems == []


def test_bad_values_are_named_and_replaced_by_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[scan]\nmode = "sideways"\nmin_rssi = "strong"\n[ui]\nrefresh_hz = 500\ncolour = 1\n'
        "[extra]\nx = 1\n"
    )
    loaded = settings_mod.load(path)
    assert loaded.scan.mode == "active"
    assert loaded.scan.min_rssi == -127
    assert loaded.ui.refresh_hz == 10.0
    text = "\n".join(loaded.problems)
    assert "[scan] mode: expected one of active, passive, got 'sideways'" in text
    assert "[scan] min_rssi: expected an integer" in text
    assert "[ui] refresh_hz: must be between 1 and 60" in text
    assert "unknown key 'colour'" in text
    assert "unknown section [extra]" in text
    assert all(str(path) in problem for problem in loaded.problems)


def test_a_broken_file_is_kept_aside_before_saving(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[ui\ntheme = ")
    loaded = settings_mod.load(path)
    assert loaded.broken_file
    assert "not valid TOML" in loaded.problems[0]
    loaded.save()
    assert (tmp_path / "config.toml.broken").read_text() == "[ui\ntheme = "
    assert settings_mod.load(path).problems == []


def test_shipped_themes_load_without_problems() -> None:
    found = load_all()
    assert {"blebench-dark", "blebench-light", "blebench-phosphor"} <= set(found.themes)
    assert found.problems == []
    assert found.themes["blebench-light"].dark is False


def test_user_themes_are_validated_and_failures_collected() -> None:
    folder = paths.user_themes_dir()
    folder.mkdir(parents=True)
    (folder / "good.toml").write_text('name = "mine"\nprimary = "#123456"\ndark = false\n')
    (folder / "bad-colour.toml").write_text('name = "bad"\nprimary = "not-a-colour"\n')
    (folder / "no-primary.toml").write_text('name = "nop"\n')
    (folder / "broken.toml").write_text("name = ")
    (folder / "override.toml").write_text('name = "blebench-dark"\nprimary = "#FF0000"\n')
    found = load_all()
    assert found.themes["mine"].primary == "#123456"
    assert found.themes["blebench-dark"].primary == "#FF0000"
    assert "bad" not in found.themes and "nop" not in found.themes
    assert len(found.problems) == 3
    joined = "\n".join(found.problems)
    assert "bad-colour.toml: primary: 'not-a-colour' is not a colour" in joined
    assert "no-primary.toml: primary: a theme needs a primary colour" in joined
    assert "broken.toml: not valid TOML" in joined


def test_theme_with_unknown_key_is_refused() -> None:
    with pytest.raises(ThemeFileError, match="unknown key"):
        parse_theme_file(b'name = "x"\nprimary = "#000000"\nprimery = "#111111"\n')
