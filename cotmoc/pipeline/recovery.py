"""The archive is the source of truth: `cotmoc rebuild` makes a new warehouse from the files cotmoc filed
(archive/, its duplicates folder, rejected/), and `cotmoc backup` writes a consistent copy of a healthy one.

A rebuild replays every filed original through the normal ingest, in the order they first arrived, under
its original name, place in the inbox and received time, so the supersede chain, every review and every
analyst view come out as they were. Where each file came from is read from the damaged warehouse when it
still reads (its `submissions` rows, grouped by the ingest runs that loaded them); otherwise from the stored
name (`<name>__<sha8>[-N].<ext>`: the suffix is taken off, never doubled) and the file's time, which the
filing kept. The replay stages copies in a scratch inbox beside the new warehouse; the filed originals and
the steward's files stay where they are, and the new warehouse points at them.
"""
from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb

from cotmoc.core.errors import UsageError
from cotmoc.core.atomic import replacing
from cotmoc.core.faults import Fault, WarehouseDamaged
from cotmoc.core.steward_files import is_steward_file
from cotmoc.warehouse.db import WarehouseBusy, open_read_only, query

STORED_NAME = re.compile(r"^(?P<stem>.*)__(?P<sha8>[0-9a-f]{8})(?:-\d+)?(?P<suffix>\.[^.]*)?$")
_EPOCH = datetime(1970, 1, 1)
_MICRO = timedelta(microseconds=1)


@dataclass(frozen=True)
class FiledFile:
    """One filed original and where it came from."""
    stored: Path            # where it is filed now
    inbox_path: Path        # where it arrived, relative to the inbox
    received_at: datetime   # naive UTC, as the warehouse keeps it
    run: int                # files of one original ingest run are replayed as one run
    order: tuple            # the order it first arrived in


def original_name(stored_name: str) -> str:
    """`bao_cao__1a2b3c4d.xlsx` → `bao_cao.xlsx` (also `bao_cao__1a2b3c4d-2.xlsx`); other names unchanged."""
    found = STORED_NAME.match(stored_name)
    return f"{found['stem']}{found['suffix'] or ''}" if found else stored_name


def filed_originals(settings) -> list[Path]:
    """Every original cotmoc filed: archive/ (duplicates folder included) and rejected/, without the steward's
    files and without hidden leftovers."""
    out = []
    for root in (settings.archive, settings.rejected):
        if root.exists():
            out += [p for p in root.rglob("*") if p.is_file()
                    and not any(part.startswith(".") for part in p.relative_to(root).parts)   # staging, leftovers
                    and not is_steward_file(p.name)]
    return out


def _from_old_warehouse(old: Path) -> dict[str, tuple] | None:
    """stored_path → (original_path, received_at, submission_id, run) from the damaged warehouse, or None when
    it does not read."""
    if not old.exists():
        return None
    try:
        con = open_read_only(old)
    except (duckdb.Error, WarehouseBusy):
        return None
    try:
        rows = con.execute(query("filed_submissions")).fetchall()
        runs = [r[0] for r in con.execute(query("run_finish_times")).fetchall()]
    except duckdb.Error:
        return None
    finally:
        con.close()
    return {_place(Path(stored)): (orig, received, sid, sum(loaded > f for f in runs))
            for stored, orig, received, sid, loaded in rows}


def _place(stored: Path) -> tuple[str, ...]:
    """A filed file's place under archive/ or rejected/ (its folder, its province folder, its name), so an
    installation moved to another folder still matches its old warehouse's rows."""
    return stored.parts[-3:]


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).replace(tzinfo=None)


def plan_rebuild(settings, old: Path) -> tuple[list[FiledFile], bool]:
    """The filed originals in the order they first arrived, and whether the old warehouse said so."""
    known = _from_old_warehouse(old)
    files = []
    for path in filed_originals(settings):
        row = (known or {}).get(_place(path))
        if row is not None:
            orig, received, sid, run = row
            try:
                rel = Path(orig).relative_to(settings.inbox)
            except ValueError:
                rel = Path(Path(orig).name)
            files.append(FiledFile(path, rel, received, run, (0, sid)))
        else:               # not in the old warehouse (or it does not read): its name and time say it
            received = _mtime(path)
            files.append(FiledFile(path, Path(original_name(path.name)), received, 1 << 30,
                                   (1, received, original_name(path.name), str(path))))
    files.sort(key=lambda f: f.order)
    return files, known is not None


def _runs(files: list[FiledFile]) -> list[list[FiledFile]]:
    """Consecutive groups replayed as one ingest run each: the original runs; a new group also whenever two
    files would take the same place in the scratch inbox."""
    groups: list[list[FiledFile]] = []
    for f in files:
        if not groups or groups[-1][0].run != f.run or any(g.inbox_path == f.inbox_path for g in groups[-1]):
            groups.append([])
        groups[-1].append(f)
    return groups


def _stage(group: list[FiledFile], inbox: Path) -> dict[str, FiledFile]:
    staged = {}
    for f in group:
        dest = inbox / f.inbox_path
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f.stored, dest)
        ns = (f.received_at - _EPOCH) // _MICRO * 1000
        os.utime(dest, ns=(ns, ns))
        staged[str(dest)] = f
    return staged


def rebuild(settings, into: Path, *, today=None, on_file=None) -> dict:
    """Replay the archive into a new warehouse at `into` (which must not exist). Returns what it did."""
    from cotmoc.pipeline.ingest import run_ingest
    from cotmoc.pipeline.locking import warehouse_lock
    from cotmoc.pipeline.preflight import machine_faults, preflight
    from cotmoc.warehouse.db import open_warehouse
    into = Path(into).resolve()
    if into.exists() or into.with_name(into.name + ".wal").exists():
        raise UsageError(f"'{into}' đã tồn tại; chọn một file mới — '{into}' exists; choose a new file")
    if into == settings.warehouse.resolve():
        raise UsageError("Không dựng lại đè lên kho đang dùng — rebuild into a new file, not the warehouse itself")
    scratch = into.with_name(f".{into.name}.rebuild")
    # the live warehouse's lock: no ingest files anything while the archive is read
    with warehouse_lock(settings.warehouse, purpose="rebuild", wait_seconds=settings.lock_wait_seconds):
        preflight(settings, [into.parent])
        files, from_warehouse = plan_rebuild(settings, settings.warehouse)
        shutil.rmtree(scratch, ignore_errors=True)
        work = replace(settings, inbox=scratch / "inbox", archive=scratch / "archive", rejected=scratch / "rejected",
                       warehouse=into)
        outcomes = []
        try:
            with machine_faults("dựng lại kho dữ liệu", "rebuild the warehouse"), \
                    open_warehouse(into, today=today) as con:
                for group in _runs(files):
                    staged = _stage(group, work.inbox)
                    outcomes += run_ingest(con, work, today=today, on_file=on_file)
                    _point_at_the_archive(con, staged, settings.inbox)
                    shutil.rmtree(scratch, ignore_errors=True)
                con.execute("CHECKPOINT")
        except BaseException:
            for leftover in (into, into.with_name(into.name + ".wal")):
                leftover.unlink(missing_ok=True)          # nothing half-built is left under the new name
            raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return {"files": len(files), "from_warehouse": from_warehouse,
            "outcomes": {k: sum(o.outcome == k for o in outcomes) for k in
                         ("new", "superseding", "duplicate", "rejected")}}


def _point_at_the_archive(con, staged: dict[str, FiledFile], inbox: Path) -> None:
    """The replayed submissions name the filed originals and the inbox places they first arrived at."""
    for staged_path, f in staged.items():
        con.execute(query("point_at_the_archive"), {"stored_path": str(f.stored),
                                                    "original_path": str(inbox / f.inbox_path),
                                                    "staged_path": staged_path})


def backup(settings, to: Path | None = None) -> Path:
    """A consistent copy of the warehouse: under the writer lock, checked whole and checkpointed, copied
    beside the target, opened to prove it reads, then renamed into place."""
    from cotmoc.pipeline.locking import warehouse_lock
    from cotmoc.pipeline.preflight import machine_faults, preflight
    from cotmoc.warehouse.db import check_copy, open_warehouse
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = Path(to) if to else settings.warehouse.parent / "backups" / f"{settings.warehouse.stem}-{stamp}.duckdb"
    target = target.resolve()
    with warehouse_lock(settings.warehouse, purpose="backup", wait_seconds=settings.lock_wait_seconds):
        if not settings.warehouse.exists():
            raise Fault(f"Chưa có kho dữ liệu {settings.warehouse} — there is no warehouse at {settings.warehouse}")
        preflight(settings, [target.parent])
        with machine_faults("sao lưu kho dữ liệu", "back up the warehouse"):
            try:
                with replacing(target) as part:
                    with open_warehouse(settings.warehouse, wait_seconds=settings.lock_wait_seconds) as con:
                        con.execute("CHECKPOINT")
                        shutil.copyfile(settings.warehouse, part)
                    check_copy(part)
            except duckdb.Error as exc:
                raise WarehouseDamaged(f"Bản sao lưu không đọc được — the backup copy does not read: {exc}") from None
    return target
