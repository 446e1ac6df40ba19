"""`cotmoc` — the command line over the plain library (each subcommand calls the same functions the
flows and the tests call). Heavy imports (Prefect, DuckDB) happen inside the subcommands that need them,
so `cotmoc template` stays quick."""
from __future__ import annotations

import argparse
import functools
import shutil
import sys
import traceback
from datetime import date
from pathlib import Path

from cotmoc.core import contract
from cotmoc.core.config import load_settings
from cotmoc.pipeline.inbox import discover, worth_worker_processes


_PATH_OPTIONS = ("inbox", "warehouse", "exports")


def _with_settings(command):
    """A subcommand that works on an office's home: called with the settings, the paths its options give
    (`--inbox`, `--warehouse`, `--exports`) in place. Loaded here, once, for every such subcommand."""
    @functools.wraps(command)
    def run(args) -> int:
        settings = load_settings().with_overrides(**{name: getattr(args, name, None) for name in _PATH_OPTIONS})
        return command(args, settings)
    return run


def _done(*lines: str) -> int:
    """What a subcommand did, a line each; then its exit code, 0."""
    for line in lines:
        print(line)
    return 0


def _cmd_template(args) -> int:
    from cotmoc.outputs.template import build_template
    out = build_template(Path(args.output), province=args.province, period=args.period,
                         version=args.template_version)
    print(f"Đã tạo mẫu báo cáo / template written: {out}")
    return 0


def _cmd_sample(args) -> int:
    from cotmoc.samples.generator import write_samples
    from cotmoc.samples.faulty import write_demo_inbox
    out = Path(args.out)
    if args.demo_inbox:
        paths = write_demo_inbox(out)
    else:
        provinces = args.provinces.split(",") if args.provinces else None
        paths = write_samples(out, seed=args.seed, provinces=provinces, periods=_periods(args),
                              kinds=tuple(args.kinds.split(",")), segment_rows=args.segment_rows)
    print(f"Đã tạo {len(paths)} báo cáo mẫu / sample reports written to {out}")
    return 0


def _periods(args):
    return list(range(args.years[0], args.years[1] + 1)) if args.years else None


def _years(text: str) -> tuple[int, int]:
    """--years 2016-2024 or 2020 (argparse turns the error into a usage message and exit 2)."""
    first, _, last = text.partition("-")
    try:
        return int(first), int(last or first)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' không phải khoảng năm (vd 2016-2024) — not a range of years "
                                         f"(e.g. 2016-2024)") from None


def _run_ingest(settings, today=None, plain: bool = False, dask_workers: int | None = None,
                dask_address: str | None = None, waiting: list[Path] | None = None):
    from cotmoc.core.long_lived import heavy_imports
    from cotmoc.outputs.summary import print_summary
    if plain:
        from rich.progress import Progress
        with heavy_imports():
            from cotmoc.pipeline.ingest import ingest_inbox
        with Progress(transient=True, disable=not sys.stdout.isatty()) as bar:
            task = bar.add_task("Nhận báo cáo / ingesting", total=None)

            def finished(outcome):
                bar.console.print(outcome.line())
                bar.advance(task)
            outcomes = ingest_inbox(settings, today=today, on_file=finished,
                                    on_plan=lambda total: bar.update(task, total=total),
                                    on_wait=lambda holder: print(_waiting(settings, holder), file=sys.stderr),
                                    on_warning=lambda message: print(message, file=sys.stderr))
    elif dask_workers or dask_address:
        with heavy_imports():
            from cotmoc.flows.ingest import dask_ingest_flow
        outcomes = dask_ingest_flow(dask_workers or 2, dask_address)(settings=settings, today=today)
    else:
        from cotmoc.pipeline.parallel import check_ahead, checking_processes, worker_count
        # the workers start now, before Prefect does, and check the first new files while it starts
        waiting = discover(settings.inbox) if waiting is None else waiting
        worth = worth_worker_processes(waiting, settings.batch_files)
        workers = worker_count(settings.check_workers) if worth else 1
        with checking_processes(workers):
            if workers > 1:
                from cotmoc.pipeline.ahead import batches_ahead, new_files
                check_ahead(new_files(settings, batches_ahead(workers), waiting), settings, today)
            with heavy_imports():
                from cotmoc.flows.ingest import ingest_flow
            outcomes = ingest_flow(settings=settings, today=today)
    print_summary(outcomes, home=settings.home)
    return outcomes


def _waiting(settings, holder: str) -> str:
    return (f"Chờ việc khác đang ghi kho dữ liệu: {holder}; chờ tối đa {settings.lock_wait_seconds:.0f} giây — "
            f"waiting for another job writing the warehouse: {holder}; up to {settings.lock_wait_seconds:.0f} s")


@_with_settings
def _cmd_ingest(args, settings) -> int:
    today = args.today
    from cotmoc.pipeline.preflight import inbox_present
    inbox_present(settings.inbox)
    waiting = discover(settings.inbox)
    if not waiting:
        # nothing to do: say so at once, without starting Prefect or opening the warehouse (a run scheduled by
        # `cotmoc serve` still runs its flow, so the Prefect UI shows it)
        from cotmoc.core.inert import shown_name, terminal_text
        from cotmoc.pipeline.staging import scan
        print(f"Hộp thư trống, không có báo cáo mới — the inbox is empty, nothing to ingest: {shown_name(settings.inbox)}")
        for left in scan(settings.inbox)[1]:         # what waits there is still said (links, lock files)
            print(terminal_text(f"  {shown_name(left.path.name)}: {left.message()}"))
        return 0
    _run_ingest(settings, today, plain=args.plain, dask_workers=args.dask_workers, dask_address=args.dask_address,
                waiting=waiting)
    return 0


def _print_rollup(published: Path, periods: list[str] | None = None) -> None:
    """The national views of the published copy, per period (all at once without `periods`)."""
    from cotmoc.outputs.rollup_print import print_national_rollup
    from cotmoc.warehouse.db import open_read_only
    with open_read_only(published) as con:
        for period in periods or [None]:
            print_national_rollup(con, period=period)


@_with_settings
def _cmd_rollup(args, settings) -> int:
    from cotmoc.flows.rollup import rollup_flow
    result = rollup_flow(periods=args.period or None, csv=args.csv, settings=settings)
    if result.periods:
        _print_rollup(result.published, result.periods)
    return _done(f"Xuất dữ liệu / exports: {settings.exports} ({len(result.exports)} file); "
                 f"báo cáo toàn quốc / national workbooks: {len(result.workbooks)}",
                 f"Bản chỉ đọc cho phân tích / published read-only copy: {result.published}")


@_with_settings
def _cmd_rebuild(args, settings) -> int:
    from cotmoc.pipeline.recovery import rebuild
    into = Path(args.into)
    done = rebuild(settings, into, today=args.today)
    source = ("tên, thời điểm nhận lấy từ kho cũ — names and received times from the old warehouse"
              if done["from_warehouse"] else "kho cũ không đọc được: tên, thời điểm nhận lấy từ tên file và thời gian "
              "file — the old warehouse does not read: names and received times from the stored names and file times")
    counts = ", ".join(f"{k} {v}" for k, v in done["outcomes"].items())
    return _done(f"Đã dựng lại kho từ {done['files']} file lưu trữ / rebuilt from {done['files']} filed files: "
                 f"{into} ({counts}; {source})",
                 f"Kiểm tra rồi thay kho cũ — check it, then replace the old warehouse: mv {into} {settings.warehouse}")


@_with_settings
def _cmd_backup(args, settings) -> int:
    from cotmoc.pipeline.recovery import backup
    return _done(f"Đã sao lưu kho dữ liệu / warehouse backed up: {backup(settings, Path(args.to) if args.to else None)}")


@_with_settings
def _cmd_serve(args, settings) -> int:
    from cotmoc.flows.serve import serve_deployments
    print(f"Phục vụ lịch chạy: nhận báo cáo mỗi {settings.ingest_every_minutes:g} phút, tổng hợp theo lịch "
          f"'{settings.rollup_cron}' — serving: ingest every {settings.ingest_every_minutes:g} min, rollup "
          f"'{settings.rollup_cron}'. Ctrl-C để dừng / to stop.")
    serve_deployments(settings)
    return 0


@_with_settings
def _cmd_status(args, settings) -> int:
    from cotmoc.outputs.status import print_status, read_status
    from cotmoc.warehouse.db import reading
    with reading(settings.warehouse) as (con, source):
        status = read_status(con, source, periods=args.period or None, last=args.last)
    if args.json:
        print(status.as_json())
    else:
        print_status(status)
    return 0


def _approval_command(args, settings, run) -> int:
    """approve / unlock: run under the warehouse lock, print each step (Vietnamese — English)."""
    from cotmoc.pipeline.locking import WarehouseLocked
    from cotmoc.warehouse.db import WarehouseBusy

    def waiting(pid):
        print(f"Chờ tiến trình khác đang ghi kho (tiến trình {pid}) — waiting for another writer (pid {pid})",
              file=sys.stderr)
    try:
        outcome = run(settings, waiting)
    except (WarehouseLocked, WarehouseBusy) as exc:
        print(f"Lỗi / error: {exc}", file=sys.stderr)
        return 3
    for step in outcome.steps:
        print(step.line())
    if not outcome.steps:
        print(f"Không có báo cáo nào để duyệt cho kỳ {args.period} — nothing to approve for {args.period}")
    for path in outcome.filed:
        print(f"Đã chuyển báo cáo được giữ lại vào lưu trữ / released report filed: {path}")
    return 0


@_with_settings
def _cmd_approve(args, settings) -> int:
    from cotmoc.pipeline.approval import approve_period
    return _approval_command(args, settings, lambda settings, on_wait: approve_period(
        settings, args.period, args.province, actor=args.by, note=args.note, on_wait=on_wait))


@_with_settings
def _cmd_unlock(args, settings) -> int:
    from cotmoc.pipeline.approval import unlock_period
    return _approval_command(args, settings, lambda settings, on_wait: unlock_period(
        settings, args.period, args.province, reason=args.reason, actor=args.by, on_wait=on_wait))


@_with_settings
def _cmd_demo(args, settings) -> int:
    """The quick start: the bundled sample reports go into the inbox and through the whole job."""
    from importlib import resources
    # inputs/samples/ in the repo, cotmoc/bundled_samples/ in an installed wheel (package data)
    samples = Path(str(resources.files("cotmoc.bundled_samples")))
    found = sorted(samples.glob("*/*.xlsx"))
    if not found:
        print(f"Lỗi / error: không tìm thấy báo cáo mẫu trong {samples} — no sample reports found in {samples}; "
              f"the installation is incomplete", file=sys.stderr)
        return 4
    settings.inbox.mkdir(parents=True, exist_ok=True)
    copied = 0
    for src in found:
        shutil.copy2(src, settings.inbox / src.name)
        copied += 1
    print(f"Đã chép {copied} báo cáo mẫu vào hộp thư / copied {copied} sample reports into {settings.inbox}")
    _run_ingest(settings)
    from cotmoc.flows.rollup import rollup_flow
    result = rollup_flow(settings=settings)
    _print_rollup(result.published)
    print("Báo cáo toàn quốc / national workbooks: " + ", ".join(str(p.relative_to(settings.home)) for p in result.workbooks))
    print(f"Bản chỉ đọc cho phân tích / published read-only copy: {result.published.relative_to(settings.home)}")
    return 0


_SERVE_EPILOG = """\
Máy chủ Prefect / Prefect server:
  PREFECT_API_URL  địa chỉ API của máy chủ Prefect mà lịch chạy được đăng ký vào, vd
                   http://127.0.0.1:4200/api (xem giao diện tại http://127.0.0.1:4200). Không đặt: cotmoc tự
                   chạy một máy chủ tạm, mất khi lệnh dừng — the API of the Prefect server to register the
                   schedules with; unset, a temporary server is started and its runs are lost when serve stops.
  PREFECT_UI_API_URL  khi máy chủ chạy ở cổng khác 4200 hoặc sau proxy: địa chỉ API mà trình duyệt dùng, vd
                   http://127.0.0.1:4300/api — when the server is on another port or behind a proxy, the API
                   address the browser's UI uses (set it for `prefect server start`).
Cấu hình / settings: cotmoc.toml [schedule] ingest_every_minutes, rollup_cron (docs/operations.md)."""


class _Formatter(argparse.HelpFormatter):
    """Descriptions wrapped to the terminal; text laid out in lines (the serve epilog) kept as written."""
    def _fill_text(self, text, width, indent):
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _command(sub, name: str, summary: str, description: str, func, *, warehouse: str | None = None,
             **kwargs) -> argparse.ArgumentParser:
    """A subcommand run by `func`, with its one-line summary (in `cotmoc --help`) and its description (in its
    own --help); with `warehouse` (what the file is), the `--warehouse` option."""
    p = sub.add_parser(name, help=summary, description=description, formatter_class=_Formatter, **kwargs)
    p.set_defaults(func=func)
    if warehouse:
        p.add_argument("--warehouse", help=f"{warehouse} (default warehouse/cotmoc.duckdb or COTMOC_WAREHOUSE)")
    return p
def _cmd_web(args) -> int:
    from cotmoc.portal.commands import serve
    serve(host=args.host, port=args.port)
    return 0


def _cmd_users(args) -> int:
    from cotmoc.portal import commands
    if args.action == "add":
        return commands.users_add(args.name, province=args.province, office=args.office,
                                  password_file=args.password_file)
    if args.action == "disable":
        return commands.users_disable(args.name)
    if args.action == "password":
        return commands.users_password(args.name, args.password_file)
    return commands.users_demo() if args.action == "demo" else commands.users_list()


def _period_command(sub, name: str, summary: str, description: str, func, *, by: str) -> argparse.ArgumentParser:
    """approve / unlock: a period of the warehouse, and who does it (kept in the approval trail)."""
    p = _command(sub, name, summary, description, func, warehouse="DuckDB file")
    p.add_argument("--period", required=True, help="kỳ báo cáo, vd 2024 hoặc 2024S1 / period code")
    p.add_argument("--by", help=by)
    return p


def _add_portal_parsers(sub) -> None:
    p = _command(sub, "web", "cổng báo cáo cho các tỉnh / the reporting portal (docs/portal.md)",
                 "Chạy cổng báo cáo: cán bộ tỉnh tự kiểm tra và gửi báo cáo, văn phòng xem mọi tỉnh — serves the "
                 "reporting portal: stewards check and send their reports, the office sees every province.",
                 _cmd_web)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p = _command(sub, "users", "tài khoản cổng báo cáo / portal accounts",
                 "Thêm, liệt kê, khoá tài khoản của cổng báo cáo (mật khẩu băm bằng scrypt) — adds, lists and "
                 "disables the portal's accounts (passwords stored as scrypt hashes).",
                 _cmd_users)
    users = p.add_subparsers(dest="action", required=True)
    u = users.add_parser("add", help="thêm tài khoản / add an account")
    u.add_argument("name")
    who = u.add_mutually_exclusive_group(required=True)
    who.add_argument("--province", help="mã tỉnh của cán bộ / the steward's province code")
    who.add_argument("--office", action="store_true", help="tài khoản văn phòng (xem mọi tỉnh) / office account")
    u.add_argument("--password-file", help="file whose first line is the password (else asked twice)")
    users.add_parser("list", help="danh sách tài khoản / list accounts")
    u = users.add_parser("disable", help="khoá tài khoản / disable an account (ends its sessions)")
    u.add_argument("name")
    u = users.add_parser("password", help="đổi mật khẩu / set a new password")
    u.add_argument("name")
    u.add_argument("--password-file", help="file whose first line is the password (else asked twice)")
    users.add_parser("demo", help="hai tài khoản thử (văn phòng, Điện Biên) / the quick start's two accounts")


def build_parser() -> argparse.ArgumentParser:
    from cotmoc import __version__
    parser = argparse.ArgumentParser(
        prog="cotmoc", description="Tổng hợp báo cáo phong trào toàn dân bảo vệ biên giới (Chỉ thị 01/CT-TTg) — "
                                   "consolidates the provinces' border-protection reports.")
    parser.add_argument("--version", action="version", version=f"cotmoc {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = _command(sub, "template", "tạo mẫu báo cáo Excel / write the report template",
                 "Tạo file mẫu báo cáo Excel cho cán bộ tỉnh (có thể điền sẵn tỉnh và kỳ) — writes the Excel "
                 "report template a province's steward fills in, optionally pre-filled with province and period.",
                 _cmd_template)
    p.add_argument("--province", help="tên hoặc mã tỉnh / province name or code (pre-fills the report)")
    p.add_argument("--period", help="kỳ báo cáo, vd 2024 hoặc 2024S1 / period code")
    p.add_argument("-o", "--output", required=True, help="file .xlsx to write")
    p.add_argument("--template-version", default=contract.TEMPLATE_VERSION, choices=sorted(contract.KNOWN_TEMPLATE_VERSIONS),
                   help="phiên bản mẫu (mặc định: mới nhất) / template version (default: the current one)")

    p = _command(sub, "sample", "tạo báo cáo mẫu / write synthetic sample reports",
                 "Tạo báo cáo mẫu (dữ liệu giả, cùng hạt giống thì cùng file) để thử và đo — writes synthetic "
                 "province reports (same seed, same files) for trying cotmoc out and for benchmarks.",
                 _cmd_sample)
    p.add_argument("--out", required=True, help="folder to write into")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same files)")
    p.add_argument("--provinces", help="comma-separated province codes (default: every expected province)")
    p.add_argument("--years", type=_years, help="e.g. 2016-2024 (default: every year with reports)")
    p.add_argument("--kinds", default="year,half", help="year, half or both (default year,half)")
    p.add_argument("--segment-rows", type=int, help="rows in doan_bien_gioi per report (for large files)")
    p.add_argument("--demo-inbox", action="store_true", help="write the seed and faulty demo reports instead")

    p = _command(sub, "ingest", "nhận báo cáo trong hộp thư / load the inbox into the warehouse",
                 "Kiểm tra mọi báo cáo trong hộp thư, nạp báo cáo hợp lệ vào kho, lưu file vào archive/ hoặc "
                 "rejected/ (kèm bản .loi.xlsx cho cán bộ tỉnh) — checks every report in the inbox, loads the "
                 "valid ones, files each in archive/ or rejected/ (with a .loi.xlsx copy for the steward). Runs "
                 "as a Prefect flow (PREFECT_API_URL names the server; unset: a temporary one).",
                 _cmd_ingest, warehouse="DuckDB file")
    p.add_argument("--inbox", help="inbox folder (default inputs/inbox or COTMOC_INBOX)")
    p.add_argument("--plain", action="store_true",
                   help="run without Prefect (same code, no flow run recorded): for a quick manual run")
    p.add_argument("--dask-workers", type=int, help="check workbooks on a local Dask cluster of N processes")
    p.add_argument("--dask-address", help="check workbooks on an existing Dask cluster (tcp://host:8786)")
    p.add_argument("--today", type=date.fromisoformat, help=argparse.SUPPRESS)   # tests pin the date that 'future period' is judged by

    p = _command(sub, "rollup", "tổng hợp, xuất dữ liệu, báo cáo toàn quốc / exports and national report",
                 "Xuất dữ liệu theo kỳ (Parquet; CSV với --csv), báo cáo toàn quốc (Excel, theo Nghị định "
                 "30/2020/NĐ-CP; cơ quan, người ký, số: cotmoc.toml [report]) và bản chỉ đọc cho phân tích — "
                 "per-period exports, the national report workbook and the published read-only copy.",
                 _cmd_rollup, warehouse="DuckDB file")
    p.add_argument("--period", action="append", help="period code (repeatable; default: every period with data)")
    p.add_argument("--csv", action="store_true", help="also write CSV beside the Parquet exports")
    p.add_argument("--exports", help="exports folder (default exports/ or COTMOC_EXPORTS)")

    p = _command(sub, "rebuild", "dựng lại kho từ lưu trữ / rebuild the warehouse from the archive",
                 "Dựng lại kho dữ liệu mới từ các file đã lưu (archive/, rejected/) theo đúng thứ tự đã nhận — replays "
                 "the archive and the rejected folder into a fresh warehouse, in their original order.",
                 _cmd_rebuild, warehouse="the damaged warehouse")
    p.add_argument("--into", required=True, help="new DuckDB file to build (must not exist)")
    p.add_argument("--today", type=date.fromisoformat, help=argparse.SUPPRESS)

    p = _command(sub, "backup", "sao lưu kho dữ liệu / write a consistent copy of the warehouse",
                 "Ghi một bản sao nhất quán của kho dữ liệu (dưới khóa ghi) — writes a consistent copy of the "
                 "warehouse, under the writers' lock.",
                 _cmd_backup, warehouse="DuckDB file")
    p.add_argument("--to", help="file to write (default warehouse/backups/cotmoc-<time>.duckdb)")

    _command(sub, "serve", "chạy theo lịch / run the scheduled deployments (Prefect)",
                 "Đăng ký hai lịch chạy với máy chủ Prefect và chạy chúng tại đây cho đến khi dừng (Ctrl-C): "
                 "nhận báo cáo mỗi N phút, tổng hợp hằng đêm — registers the ingest and rollup deployments "
                 "with the Prefect server and runs their flow runs here until stopped.",
                 _cmd_serve, epilog=_SERVE_EPILOG)

    p = _command(sub, "status", "tình hình báo cáo / what arrived, what is missing, what failed",
                 "Tỉnh × kỳ: đã nhận, bị từ chối (số lỗi, nơi có bản .loi.xlsx), chưa gửi, quá hạn; các lượt "
                 "nhận gần nhất. Mặc định: các kỳ đã có báo cáo và các kỳ đang đến hạn — provinces × periods "
                 "(default: the periods with reports and those due now), then the last ingest runs.",
                 _cmd_status, warehouse="DuckDB file")
    p.add_argument("--period", action="append",
                   help="period code (repeatable; default: the periods with reports and those due now)")
    p.add_argument("--last", type=int, default=4, help="how many recent periods with reports to show (default 4)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = _period_command(sub, "approve", "duyệt và khóa kỳ báo cáo / approve (and lock) a period's reports",
                        "Duyệt báo cáo hiện hành của các tỉnh cho một kỳ và khóa kỳ đó: báo cáo gửi sau được giữ lại chờ mở "
                        "khóa — approves the current accepted report of each province for a period and locks it: a later "
                        "report is held until the period is unlocked (docs/operations.md).",
                        _cmd_approve, by="người duyệt / who approves (default: the login name)")
    p.add_argument("--province", action="append",
                   help="tỉnh (tên hoặc mã; lặp lại được; mặc định: mọi tỉnh có báo cáo đạt) / province (repeatable; "
                        "default: every province with an accepted report)")
    p.add_argument("--note", help="ghi chú / note kept in the approval trail")

    p = _period_command(sub, "unlock", "mở khóa kỳ đã duyệt / reopen an approved period of one province",
                        "Mở khóa kỳ đã duyệt của một tỉnh: báo cáo giữ lại mới nhất thay thế ngay báo cáo đã duyệt; kỳ ở "
                        "trạng thái 'đã thay đổi sau khi duyệt' đến khi duyệt lại — reopens an approved period of one "
                        "province: its newest held report replaces the approved one at once.",
                        _cmd_unlock, by="người mở khóa / who unlocks (default: the login name)")
    p.add_argument("--province", required=True, help="tỉnh (tên hoặc mã) / province name or code")
    p.add_argument("--reason", required=True, help="lý do mở khóa / why (kept in the approval trail)")

    _command(sub, "demo", "chạy thử với báo cáo mẫu / run the job on the bundled samples",
                 "Chép các báo cáo mẫu vào hộp thư, nhận, tổng hợp và in kết quả — copies the bundled sample "
                 "reports into the inbox and runs ingest and rollup on them.",
                 _cmd_demo)
    _add_portal_parsers(sub)
    return parser


BUG_LINE = ("Đây là lỗi của phần mềm cotmoc, không phải của dữ liệu hay của người dùng: xin gửi nội dung trên cho "
            "người phát triển — this is a bug in cotmoc, not in the data or in how it was run: please report it "
            "with the text above")


def main(argv: list[str] | None = None) -> int:
    """Exit codes (cotmoc/core/faults.py, docs/operations.md): 0 done, 1 a bug, 2 usage, 3 busy, 4 a fault in the
    environment, 5 the warehouse damaged. Every CotmocError (cotmoc/core/errors.py) is its message alone, never a
    traceback; any other exception is a bug, shown as one: its traceback and a line asking to report it."""
    from cotmoc.core.unused_imports import keep_out_unused_imports
    keep_out_unused_imports()                   # before anything imports pandera
    from cotmoc.core.errors import EXIT_BUG, CotmocError
    from cotmoc.pipeline.stopping import Stopped
    from cotmoc.core.prefect_env import apply_prefect_defaults
    apply_prefect_defaults()                    # before any subcommand imports Prefect
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CotmocError as exc:                       # a fault, a wrong value: its message and its exit code
        if not exc.reported:
            print(f"Lỗi / error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Stopped as exc:                            # SIGTERM/SIGINT during a run: what was done is complete
        if not exc.reported:
            print(str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu — stopped on request", file=sys.stderr)
        return 130
    except OSError as exc:                            # the machine's answer (a path given, a full disk): not a bug
        from cotmoc.core.faults import environment_fault
        fault = environment_fault(exc, "đọc hoặc ghi file", "read or write a file", given_path=True)
        if fault is None:
            traceback.print_exc()
            print(BUG_LINE, file=sys.stderr)
            return EXIT_BUG
        print(f"Lỗi / error: {fault}", file=sys.stderr)
        return fault.exit_code
    except Exception:                                 # anything else is a bug: shown as one
        traceback.print_exc()
        print(BUG_LINE, file=sys.stderr)
        return EXIT_BUG


def run() -> None:
    """The `cotmoc` command: main(), then the process ends once its exit handlers have run, without tearing its
    objects down one by one (cotmoc/core/long_lived.py)."""
    from cotmoc.core.long_lived import begin_command, quick_exit
    begin_command()
    quick_exit(main())


if __name__ == "__main__":
    run()
