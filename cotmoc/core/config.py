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
| COTMOC_LOCK_WAIT_SECONDS     | 600 (then the run skips)  |
| COTMOC_INGEST_EVERY_MINUTES  | 15 (`cotmoc serve`)       |
| COTMOC_ROLLUP_CRON           | "0 2 * * *" (nightly)     |
| COTMOC_CHECK_WORKERS         | 0: one process per core (1: check in the run's own process) |
| COTMOC_BATCH_FILES           | 32: files checked, then loaded, together          |

In `cotmoc.toml` the paths go under `[paths]` and the rest under `[limits]` and `[schedule]` with the same names
in lower case without the prefix (e.g. `[schedule] ingest_every_minutes = 5`). Reporting deadlines are
reference data: `warehouse/reference/reporting_schedule.csv`.
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
    lock_wait_seconds: float = 600
    ingest_every_minutes: float = 15
    rollup_cron: str = "0 2 * * *"
    check_workers: int = 0            # processes that read and check workbooks; 0 = one per core
    batch_files: int = 32             # files checked (one schema run) and loaded (one transaction) together

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
    file_settings: dict = {}
    if toml_path.exists():
        with toml_path.open("rb") as fh:
            data = tomllib.load(fh)
        values.update(data.get("paths", {}))
        file_settings = {**data.get("limits", {}), **data.get("schedule", {})}
    for key in _DEFAULTS:
        if env.get(f"COTMOC_{key.upper()}"):
            values[key] = env[f"COTMOC_{key.upper()}"]
    paths = {k: (root / v if not Path(v).is_absolute() else Path(v)) for k, v in values.items()}
    raw = {k: file_settings.get(k) for k in _OTHER}
    raw.update({k: env[f"COTMOC_{k.upper()}"] for k in _OTHER if env.get(f"COTMOC_{k.upper()}")})
    other = {}
    for key, value in raw.items():
        if value is None:
            continue
        name, convert = _OTHER[key]
        other[name] = convert(value)
    return Settings(home=root, **paths, **other)


_MB = 1024 * 1024
#: setting name (as in env/toml) → (Settings field, conversion)
_OTHER = {
    "max_file_mb": ("max_file_bytes", lambda v: int(float(v) * _MB)),
    "max_uncompressed_mb": ("max_uncompressed_bytes", lambda v: int(float(v) * _MB)),
    "lock_wait_seconds": ("lock_wait_seconds", float),
    "ingest_every_minutes": ("ingest_every_minutes", float),
    "rollup_cron": ("rollup_cron", str),
    "check_workers": ("check_workers", int),
    "batch_files": ("batch_files", lambda v: max(int(v), 1)),
}


SETTING_NAMES = tuple(f.name for f in fields(Settings))


def published_path(warehouse: Path) -> Path:
    """Where analysts find the read-only copy: beside the warehouse, `<name>.published.duckdb`."""
    return warehouse.with_name(f"{warehouse.stem}.published{warehouse.suffix}")
