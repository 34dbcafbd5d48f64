"""The TUI's settings: one typed object, kept in the platformdirs config file as TOML.

Read with `tomllib`; written by the small writer below (the standard library has no TOML
writer and the file only holds scalars in sections). A file that does not parse, or a
value of the wrong type, gives a problem message naming the file, the section and the key;
the defaults stand in for what was bad, and the user's broken file is kept aside as
`config.toml.broken` before it is ever overwritten, so nothing is lost.
`BLEBENCH_HOME` (see `blebench.paths`) moves the file for tests.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blebench import paths
from blebench.pairing.models import IoCapability

SCAN_MODES = ("active", "passive")
SORT_KEYS = ("rssi", "name", "address", "last_seen", "first_seen")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_THEME = "blebench-dark"


def _choices(*values: str) -> dict[str, tuple[str, ...]]:
    return {"choices": values}


@dataclass(slots=True)
class UiSettings:
    theme: str = DEFAULT_THEME
    # How often the panes pull batches from the session (Hz); bounded in validation.
    refresh_hz: float = 10.0


@dataclass(slots=True)
class ScanSettings:
    mode: str = field(default="active", metadata=_choices(*SCAN_MODES))
    sort: str = field(default="rssi", metadata=_choices(*SORT_KEYS))
    # Devices weaker than this are hidden; -127 shows all.
    min_rssi: int = -127


# The CLI names of the IO capabilities, as pairing.models defines them.
PAIRING_IO = tuple(io.value for io in IoCapability)


@dataclass(slots=True)
class PairingSettings:
    """Our side's SMP options in the Security pane (the Core spec's names, CLI spelling)."""

    io: str = field(default="keyboard-display", metadata=_choices(*PAIRING_IO))
    mitm: bool = True
    sc: bool = True
    bonding: bool = True
    keypress: bool = False
    min_key_size: int = 7
    max_key_size: int = 16
    # How long Pair waits for the device's SMP answers (the spec's SMP timeout is 30 s).
    smp_timeout_s: float = 30.0


@dataclass(slots=True)
class LogSettings:
    level: str = field(default="INFO", metadata=_choices(*LOG_LEVELS))


@dataclass(slots=True)
class Settings:
    ui: UiSettings = field(default_factory=UiSettings)
    scan: ScanSettings = field(default_factory=ScanSettings)
    log: LogSettings = field(default_factory=LogSettings)
    pairing: PairingSettings = field(default_factory=PairingSettings)
    # Where this came from and what was wrong with it; not written back.
    path: Path | None = field(default=None, compare=False)
    problems: list[str] = field(default_factory=list, compare=False)
    broken_file: bool = field(default=False, compare=False)

    def save(self, path: Path | None = None) -> Path:
        """Write the settings atomically; a broken file there is moved aside first."""
        target = path or self.path or paths.config_file()
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.broken_file and target.exists():
            target.replace(target.with_name(target.name + ".broken"))
            self.broken_file = False
        fd, tmp_name = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(dumps(self))
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        self.path = target
        return target


_SECTIONS = ("ui", "scan", "log", "pairing")


def _section_fields(section: object) -> list[dataclasses.Field[Any]]:
    return list(dataclasses.fields(section))  # type: ignore[arg-type]


def _check_value(default: object, value: object, meta: Any) -> tuple[object, str | None]:
    """The value converted to the default's type, or an explanation of why it can't be."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value, None
        return default, f"expected true or false, got {value!r}"
    if isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None
        return default, f"expected an integer, got {value!r}"
    if isinstance(default, float):
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)
            if math.isfinite(number):
                return number, None
        return default, f"expected a number, got {value!r}"
    if isinstance(default, str):
        if not isinstance(value, str):
            return default, f"expected a string, got {value!r}"
        choices = meta.get("choices")
        if choices and value not in choices:
            return default, f"expected one of {', '.join(choices)}, got {value!r}"
        return value, None
    return default, f"unsupported value {value!r}"


def from_mapping(data: dict[str, Any], *, source: str = "settings") -> Settings:
    """Settings from parsed TOML; every problem is collected, nothing raises."""
    settings = Settings()
    for key, table in data.items():
        if key not in _SECTIONS:
            settings.problems.append(f"{source}: unknown section [{key}] ignored")
            continue
        if not isinstance(table, dict):
            settings.problems.append(f"{source}: [{key}] must be a table")
            continue
        section = getattr(settings, key)
        known = {f.name: f for f in _section_fields(section)}
        for name, value in table.items():
            spec = known.get(name)
            if spec is None:
                settings.problems.append(f"{source}: [{key}] unknown key {name!r} ignored")
                continue
            checked, problem = _check_value(getattr(section, name), value, spec.metadata)
            if problem:
                settings.problems.append(f"{source}: [{key}] {name}: {problem}")
            setattr(section, name, checked)
    ui = settings.ui
    if not 1.0 <= ui.refresh_hz <= 60.0:
        settings.problems.append(
            f"{source}: [ui] refresh_hz: must be between 1 and 60, got {ui.refresh_hz:g}"
        )
        ui.refresh_hz = UiSettings().refresh_hz
    if not -127 <= settings.scan.min_rssi <= 20:
        settings.problems.append(
            f"{source}: [scan] min_rssi: must be between -127 and 20, "
            f"got {settings.scan.min_rssi}"
        )
        settings.scan.min_rssi = ScanSettings().min_rssi
    pairing = settings.pairing
    if not 1.0 <= pairing.smp_timeout_s <= 300.0:
        settings.problems.append(
            f"{source}: [pairing] smp_timeout_s: must be between 1 and 300, "
            f"got {pairing.smp_timeout_s:g}"
        )
        pairing.smp_timeout_s = PairingSettings().smp_timeout_s
    if not 7 <= pairing.min_key_size <= pairing.max_key_size <= 16:
        settings.problems.append(
            f"{source}: [pairing] key sizes: need 7 <= min_key_size <= max_key_size <= 16, "
            f"got {pairing.min_key_size} and {pairing.max_key_size}"
        )
        pairing.min_key_size, pairing.max_key_size = 7, 16
    return settings


def load(path: Path | None = None) -> Settings:
    """The settings in `path` (default: the config file); defaults when there is none."""
    target = path or paths.config_file()
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        return Settings(path=target)
    except OSError as exc:
        settings = Settings(path=target)
        settings.problems.append(f"{target}: cannot be read ({exc.strerror}); defaults used")
        return settings
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        settings = Settings(path=target, broken_file=True)
        settings.problems.append(
            f"{target}: not valid TOML ({exc}); defaults used, "
            f"the file is kept as {target.name}.broken when settings are next saved"
        )
        return settings
    settings = from_mapping(data, source=str(target))
    settings.path = target
    return settings


def _toml_string(value: str) -> str:
    out = ['"']
    for char in value:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def dumps(settings: Settings) -> str:
    lines = ["# blebench settings (written by the TUI; edit freely)"]
    for key in _SECTIONS:
        section = getattr(settings, key)
        lines.append("")
        lines.append(f"[{key}]")
        for spec in _section_fields(section):
            lines.append(f"{spec.name} = {_toml_value(getattr(section, spec.name))}")
    return "\n".join(lines) + "\n"
