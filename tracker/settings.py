"""Operator settings in one TOML file: who issues the 通报, mail, limits, timeliness window, and so on.

The file is ``SKILLS_SETTINGS_FILE`` if set, else ``settings.toml`` at the checkout's root (git-ignored;
``settings.example.toml`` documents every key with its default). A missing file means every default.
Each feature reads its keys through :func:`get` with its default next to its use, so one file lists
everything an office may set and no setting is scattered through environment variables.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from tracker import ROOT

SETTINGS_ENV = "SKILLS_SETTINGS_FILE"


class SettingsError(Exception):
    """The settings file exists but cannot be read (message is shown as is)."""


def settings_path() -> Path:
    env = os.environ.get(SETTINGS_ENV)
    return Path(env).expanduser() if env else ROOT / "settings.toml"


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"设置文件 {Path(path).name} 格式有误：{exc}") from exc


def load() -> dict[str, Any]:
    """The whole settings file as a dict ({} when there is none); re-read when the file changes."""
    path = settings_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return {}
    return _load(str(path), mtime)


def get(section: str, key: str, default: Any = None) -> Any:
    """``[section] key`` from the settings file, or ``default``."""
    value = load().get(section, {})
    if not isinstance(value, dict):
        return default
    return value.get(key, default)
