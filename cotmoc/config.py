"""Where cotmoc keeps its files, and its limits: one place, overridable by environment variables.

Every path defaults to a folder under the project root (the current directory), so `make demo` needs no
set-up. An office installation sets the variables (or a `cotmoc.toml` beside the project, see
docs/configuration.md) once:

| variable                     | default                   |
|------------------------------|---------------------------|
| COTMOC_HOME                  | current directory         |
| COTMOC_INBOX                 | inputs/inbox              |
| COTMOC_ARCHIVE               | inputs/archive            |
| COTMOC_REJECTED              | inputs/rejected           |
| COTMOC_WAREHOUSE             | warehouse/cotmoc.duckdb   |
| COTMOC_EXPORTS               | exports                   |
| COTMOC_MAX_FILE_MB           | 50                        |
| COTMOC_MAX_UNCOMPRESSED_MB   | 500                       |
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

_DEFAULTS = {
    "inbox": "inputs/inbox",
    "archive": "inputs/archive",
    "rejected": "inputs/rejected",
    "warehouse": "warehouse/cotmoc.duckdb",
    "exports": "exports",
}


@dataclass(frozen=True)
class Settings:
    home: Path
    inbox: Path
    archive: Path
    rejected: Path
    warehouse: Path
    exports: Path
    max_file_bytes: int = 50 * 1024 * 1024
    max_uncompressed_bytes: int = 500 * 1024 * 1024

    def with_overrides(self, **changes) -> "Settings":
        """A copy with some paths replaced (CLI options); None values are ignored."""
        clean = {k: (Path(v) if k in _DEFAULTS else v) for k, v in changes.items() if v is not None}
        return replace(self, **clean)


def load_settings(home: Path | str | None = None, environ: dict | None = None) -> Settings:
    """Settings from (lowest to highest priority) defaults, `cotmoc.toml` in the home, environment."""
    env = os.environ if environ is None else environ
    root = Path(home or env.get("COTMOC_HOME") or Path.cwd()).resolve()
    values: dict = dict(_DEFAULTS)
    toml_path = root / "cotmoc.toml"
    if toml_path.exists():
        with toml_path.open("rb") as fh:
            values.update(tomllib.load(fh).get("paths", {}))
    for key in _DEFAULTS:
        if env.get(f"COTMOC_{key.upper()}"):
            values[key] = env[f"COTMOC_{key.upper()}"]
    paths = {k: (root / v if not Path(v).is_absolute() else Path(v)) for k, v in values.items()}
    limits = {}
    if env.get("COTMOC_MAX_FILE_MB"):
        limits["max_file_bytes"] = int(float(env["COTMOC_MAX_FILE_MB"]) * 1024 * 1024)
    if env.get("COTMOC_MAX_UNCOMPRESSED_MB"):
        limits["max_uncompressed_bytes"] = int(float(env["COTMOC_MAX_UNCOMPRESSED_MB"]) * 1024 * 1024)
    return Settings(home=root, **paths, **limits)


SETTING_NAMES = tuple(f.name for f in fields(Settings))
