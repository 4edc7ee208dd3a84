"""Where cc-tui keeps things (platformdirs), and the client's settings.

Settings come from `<config dir>/config.toml` when present, overridden by environment
variables `CC_TUI_<NAME>` (all but `keymap`); every field says what it is for, and the
README lists them with a sample. `cc-tui config` prints each setting in force with where
it came from (`describe_settings`). A theme chosen in the palette is written back to
config.toml (`save_theme`), changing that one line and keeping the rest as it was.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, Field

from cc_tui.domain.i18n import DEFAULT_LANGUAGE, Language, parse_language

APP_NAME = "cc-tui"


def config_dir() -> Path:
    return Path(os.environ.get("CC_TUI_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    return Path(os.environ.get("CC_TUI_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))


def demo_data_dir() -> Path:
    """The bundled portal's database, files and outbox for `--demo`."""
    return data_dir() / "demo-portal"


def drafts_dir() -> Path:
    """Unsent form input, kept until the server has accepted it."""
    return data_dir() / "drafts"


_downloads_setting: Path | None = None


def use_downloads_dir(folder: Path | None) -> None:
    """The `downloads` setting, applied by the app once settings are read."""
    global _downloads_setting
    _downloads_setting = folder


def downloads_dir() -> Path:
    """Where `o` saves files: the `downloads` setting (config.toml or CC_TUI_DOWNLOADS)
    as it is, else a cc-tui folder in the Downloads folder (CC_TUI_DOWNLOADS_DIR names
    another Downloads folder)."""
    if _downloads_setting is not None:
        return _downloads_setting.expanduser()
    base = os.environ.get("CC_TUI_DOWNLOADS_DIR") or platformdirs.user_downloads_dir()
    return Path(base) / APP_NAME


def config_file() -> Path:
    return config_dir() / "config.toml"


class Settings(BaseModel):
    """The client's settings."""

    server: str | None = Field(
        default=None, description="The portal's URL, used when --server is not given."
    )
    request_timeout: float = Field(
        default=15.0, description="Seconds to wait for the portal before saying it is slow."
    )
    theme: str = Field(
        default="textual-dark",
        description="The Textual theme to start with (ctrl+p, Change theme, saves it here).",
    )
    language: Literal["en", "zh-Hant"] | None = Field(
        default=None,
        description="en or zh-Hant: cc-tui's and the portal's language (--lang wins; "
        "unset: the portal's stored choice after login, before it LANG).",
    )
    downloads: Path | None = Field(
        default=None, description="The folder o saves files in (default: Downloads/cc-tui)."
    )
    keymap: dict[str, str] = Field(
        default_factory=dict,
        description="Key overrides by binding id, e.g. {'dashboard.filter' = 'f'}.",
    )

    model_config = {"extra": "forbid"}


def _gather() -> tuple[dict[str, object], dict[str, str]]:
    """The values set, and where each came from ("config.toml" or its variable)."""
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
    path = config_file()
    if path.exists():
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"it is not valid TOML: {error}") from None
        sources.update(dict.fromkeys(values, "config.toml"))
    for name in Settings.model_fields:
        env = os.environ.get(f"CC_TUI_{name.upper()}")
        if env is not None and name != "keymap":
            values[name] = env
            sources[name] = f"CC_TUI_{name.upper()}"
    return values, sources


def load_settings() -> Settings:
    values, _ = _gather()
    return Settings.model_validate(values)


def describe_settings() -> tuple[str, bool]:
    """What `cc-tui config` prints, and whether the settings are valid."""
    path = config_file()
    lines = [
        f"Config file: {path}"
        + ("" if path.exists() else "  (not there: every setting is its default)"),
        f"Data folder: {data_dir()}  (state.json, drafts/, demo-portal/)",
        f"Demo portal: {demo_data_dir()}",
        f"Downloads:   {downloads_dir()}",
        "",
    ]
    try:
        values, sources = _gather()
        settings = Settings.model_validate(values)
    except (ValueError, TypeError) as error:
        lines.append(f"The settings are not valid: {error}")
        lines.append(f"Correct or remove {path}, or the CC_TUI_* variable named.")
        return "\n".join(lines), False
    lines.append("Settings in force:")
    for name, info in Settings.model_fields.items():
        value = getattr(settings, name)
        shown = str(value) if value not in (None, {}) else "(none)"
        lines.append(f"  {name:<16} {shown:<32} {sources.get(name, 'default')}")
        lines.append(f"  {'':<16} {info.description}")
    # What the TUI says at start about a theme or key id named in vain, said here too:
    # "in force" would otherwise list a theme that cc-tui does not use.
    from textual.theme import BUILTIN_THEMES

    from cc_tui.tui.keys import known_binding_ids, settings_problems

    problems = settings_problems(
        settings.keymap, settings.theme, BUILTIN_THEMES, known_binding_ids()
    )
    if problems:
        lines.append("")
        lines.extend(f"✗ {problem[0].upper()}{problem[1:]}" for problem in problems)
    return "\n".join(lines), True


def save_theme(theme: str) -> Path:
    """Write `theme = "..."` into config.toml: the line replaced if there is one at the
    top level, else added before the first table; every other line kept as it was."""
    path = config_file()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    line = f"theme = {json.dumps(theme)}"
    for index, text in enumerate(lines):
        stripped = text.strip()
        if stripped.startswith("["):
            while index > 0 and not lines[index - 1].strip():
                index -= 1  # before the blank lines that set the table apart
            lines.insert(index, line)
            break
        if stripped.split("=", 1)[0].strip() == "theme":
            lines[index] = line
            break
    else:
        lines.append(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".config.toml.{os.getpid()}.tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path


def choose_language(
    flag: str | None, configured: str | None, environ: Mapping[str, str]
) -> Language:
    """The language cc-tui starts in: --lang, else config.toml's `language`, else the
    locale (LC_ALL, LC_MESSAGES, LANG: the first one set, as POSIX reads them), else
    English. An unknown --lang or locale is English, never an error. After login the
    portal's stored language wins unless --lang was given (PortalApp)."""
    if flag is not None:
        return parse_language(flag)
    if configured is not None:
        return parse_language(configured)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return parse_language(value)
    return DEFAULT_LANGUAGE


def configured_language() -> str | None:
    """config.toml's (or CC_TUI_LANGUAGE's) `language`, read at start without the whole
    settings check (which reports a bad value later, in words): None when unset."""
    env = os.environ.get("CC_TUI_LANGUAGE")
    if env:
        return env
    try:
        value = tomllib.loads(config_file().read_text(encoding="utf-8")).get("language")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return value if isinstance(value, str) else None
