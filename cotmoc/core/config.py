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
| COTMOC_WARN_FREE_MB          | 1024: less free space than this: a warning        |
| COTMOC_MIN_FREE_MB           | 200: less free space than this: the run is refused |

In `cotmoc.toml` the paths go under `[paths]` and the rest under `[limits]` and `[schedule]` with the same names
in lower case without the prefix (e.g. `[schedule] ingest_every_minutes = 5`). Reporting deadlines are
reference data: `warehouse/reference/reporting_schedule.csv`.

The national report is an administrative document (Decree 30/2020/NĐ-CP): who issues and signs it is set
under `[report]` in `cotmoc.toml`, or by `COTMOC_REPORT_<NAME>` (e.g. `COTMOC_REPORT_SIGNER_NAME`):

| `[report]` name     | default                                  | where it appears                          |
|---------------------|------------------------------------------|-------------------------------------------|
| parent_agency       | Bộ Quốc phòng                            | top left (in capitals), above the agency  |
| agency              | Bộ Tư lệnh Bộ đội Biên phòng             | top left, bold (in capitals), and the body |
| number              | "" (left blank, filled in at issuance)   | "Số: <number>/<symbol>"                   |
| symbol              | BC-BTL                                   | the document's symbol after the number    |
| place               | Hà Nội                                   | "Hà Nội, ngày … tháng … năm …"            |
| signer_authority    | KT. TƯ LỆNH                              | above the signer's title (KT., TL., …)    |
| signer_title        | PHÓ TƯ LỆNH                              | the signer's position                     |
| signer_name         | "" (a blank line to sign on)             | the signer's full name                    |
| recipients          | Như trên; Lưu: VT                        | "Nơi nhận" (toml: a list; env: `;`-separated) |
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from cotmoc.core.errors import UsageError

_DEFAULTS = {
    "inbox": "inputs/inbox",
    "archive": "inputs/archive",
    "rejected": "inputs/rejected",
    "warehouse": "warehouse/cotmoc.duckdb",
    "exports": "exports",
}


@dataclass(frozen=True)
class ReportDocument:
    """Who issues and signs the national report (the administrative header and signature block)."""
    parent_agency: str = "Bộ Quốc phòng"
    agency: str = "Bộ Tư lệnh Bộ đội Biên phòng"        # written in capitals in the header
    number: str = ""
    symbol: str = "BC-BTL"
    place: str = "Hà Nội"
    signer_authority: str = "KT. TƯ LỆNH"
    signer_title: str = "PHÓ TƯ LỆNH"
    signer_name: str = ""
    recipients: tuple[str, ...] = ("Như trên", "Lưu: VT")


def _report_document(file_values: dict, env) -> ReportDocument:
    values = {}
    for f in fields(ReportDocument):
        value = env.get(f"COTMOC_REPORT_{f.name.upper()}") or file_values.get(f.name)
        if value is None:
            continue
        if f.name == "recipients":
            items = value.split(";") if isinstance(value, str) else value
            value = tuple(str(v).strip() for v in items if str(v).strip())
        values[f.name] = str(value).strip() if isinstance(value, str) else value
    return ReportDocument(**values)


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
    # files checked (one schema run, one task) and loaded (one transaction) together, fewer when they are large
    # (cotmoc.pipeline.inbox.BATCH_BYTES): a batch's schema runs cost ≈ 60 ms whatever its size
    batch_files: int = 128
    report: ReportDocument = ReportDocument()
    warn_free_bytes: int = 1024 * 1024 * 1024    # free space under this on a folder cotmoc writes: a warning
    min_free_bytes: int = 200 * 1024 * 1024      # under this: the run is refused before it touches anything

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
    data: dict = {}
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
        try:
            other[name] = convert(value)
        except ValueError:
            raise UsageError(f"Giá trị '{value}' của {key} không hợp lệ — {key} = '{value}' is not a valid "
                             f"setting") from None
    return Settings(home=root, **paths, **other, report=_report_document(data.get("report", {}), env))


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
    "warn_free_mb": ("warn_free_bytes", lambda v: int(float(v) * _MB)),
    "min_free_mb": ("min_free_bytes", lambda v: int(float(v) * _MB)),
}


SETTING_NAMES = tuple(f.name for f in fields(Settings))


def published_path(warehouse: Path) -> Path:
    """Where analysts find the read-only copy: beside the warehouse, `<name>.published.duckdb`."""
    return warehouse.with_name(f"{warehouse.stem}.published{warehouse.suffix}")
