"""`cotmoc` — the command line over the plain library (each subcommand calls the same functions the
flows and the tests call). Heavy imports (Prefect, DuckDB) happen inside the subcommands that need them,
so `cotmoc template` stays quick."""
from __future__ import annotations

import argparse
import shutil
import sys
from datetime import date
from pathlib import Path

from cotmoc.core.config import load_settings
from cotmoc.pipeline.inbox import discover, worth_worker_processes


def _cmd_template(args) -> int:
    from cotmoc.outputs.template import build_template
    out = build_template(Path(args.output), province=args.province, period=args.period)
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
    if not args.years:
        return None
    first, _, last = args.years.partition("-")
    return list(range(int(first), int(last or first) + 1))


def _run_ingest(settings, today=None, plain: bool = False, dask_workers: int | None = None,
                dask_address: str | None = None, waiting: list[Path] | None = None):
    from cotmoc.outputs.summary import print_summary
    if plain:
        from rich.progress import Progress
        from cotmoc.pipeline.ingest import ingest_inbox
        with Progress(transient=True, disable=not sys.stdout.isatty()) as bar:
            task = bar.add_task("Nhận báo cáo / ingesting", total=None)

            def finished(outcome):
                bar.console.print(outcome.line())
                bar.advance(task)
            outcomes = ingest_inbox(settings, today=today, on_file=finished,
                                    on_plan=lambda total: bar.update(task, total=total),
                                    on_wait=lambda pid: print(f"Chờ lượt nhận báo cáo khác (tiến trình {pid}) — waiting "
                                                              f"for another ingest run (pid {pid})", file=sys.stderr))
    elif dask_workers or dask_address:
        from cotmoc.flows.ingest import dask_ingest_flow
        outcomes = dask_ingest_flow(dask_workers or 2, dask_address)(settings=settings, today=today)
    else:
        from cotmoc.pipeline.parallel import checking_processes, worker_count
        # workers are spawned now, so that their imports overlap Prefect's
        waiting = discover(settings.inbox) if waiting is None else waiting
        worth = worth_worker_processes(waiting, settings.batch_files)
        with checking_processes(worker_count(settings.check_workers) if worth else 1):
            from cotmoc.flows.ingest import ingest_flow
            outcomes = ingest_flow(settings=settings, today=today)
    print_summary(outcomes, home=settings.home)
    return outcomes


def _cmd_ingest(args) -> int:
    settings = load_settings().with_overrides(inbox=args.inbox, warehouse=args.warehouse)
    today = date.fromisoformat(args.today) if args.today else None
    waiting = discover(settings.inbox)
    if not waiting:
        # nothing to do: say so at once, without starting Prefect or opening the warehouse (a run scheduled by
        # `cotmoc serve` still runs its flow, so the Prefect UI shows it)
        print(f"Hộp thư trống, không có báo cáo mới — the inbox is empty, nothing to ingest: {settings.inbox}")
        return 0
    from cotmoc.pipeline.locking import WarehouseLocked
    from cotmoc.warehouse.db import WarehouseBusy
    from prefect.exceptions import FailedRun
    try:
        _run_ingest(settings, today, plain=args.plain, dask_workers=args.dask_workers, dask_address=args.dask_address,
                    waiting=waiting)
    except (WarehouseLocked, WarehouseBusy, FailedRun) as exc:   # an outcome for the office, not a crash
        print(f"Lỗi / error: {exc}", file=sys.stderr)
        return 3
    return 0


def _cmd_rollup(args) -> int:
    from cotmoc.outputs.rollup_print import print_national_rollup
    from cotmoc.flows.rollup import rollup_flow
    settings = load_settings().with_overrides(warehouse=args.warehouse, exports=args.exports)
    result = rollup_flow(periods=args.period or None, csv=args.csv, settings=settings)
    for period in result.periods:
        print_national_rollup(result.published, period=period)
    print(f"Xuất dữ liệu / exports: {settings.exports} ({len(result.exports)} file); "
          f"báo cáo toàn quốc / national workbooks: {len(result.workbooks)}")
    print(f"Bản chỉ đọc cho phân tích / published read-only copy: {result.published}")
    return 0


def _cmd_serve(args) -> int:
    from cotmoc.flows.serve import serve_deployments
    settings = load_settings()
    print(f"Phục vụ lịch chạy: nhận báo cáo mỗi {settings.ingest_every_minutes:g} phút, tổng hợp theo lịch "
          f"'{settings.rollup_cron}' — serving: ingest every {settings.ingest_every_minutes:g} min, rollup "
          f"'{settings.rollup_cron}'. Ctrl-C để dừng / to stop.")
    serve_deployments(settings)
    return 0


def _cmd_status(args) -> int:
    from cotmoc.outputs.status import print_status, read_status
    settings = load_settings().with_overrides(warehouse=args.warehouse)
    status = read_status(settings.warehouse, periods=args.period or None, last=args.last)
    if args.json:
        print(status.as_json())
    else:
        print_status(status)
    return 0


def _cmd_demo(args) -> int:
    """The quick start: the bundled sample reports go into the inbox and through the whole job."""
    from importlib import resources
    settings = load_settings()
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
    from cotmoc.outputs.rollup_print import print_national_rollup
    from cotmoc.flows.rollup import rollup_flow
    result = rollup_flow(settings=settings)
    print_national_rollup(result.published)
    print("Báo cáo toàn quốc / national workbooks: " + ", ".join(str(p.relative_to(settings.home)) for p in result.workbooks))
    print(f"Bản chỉ đọc cho phân tích / published read-only copy: {result.published.relative_to(settings.home)}")
    return 0


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


def _add_portal_parsers(sub) -> None:
    p = sub.add_parser("web", help="cổng báo cáo cho các tỉnh / the reporting portal (docs/portal.md)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.set_defaults(func=_cmd_web)
    p = sub.add_parser("users", help="tài khoản cổng báo cáo / portal accounts")
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
    p.set_defaults(func=_cmd_users)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cotmoc", description="Tổng hợp báo cáo phong trào toàn dân bảo vệ biên giới (Chỉ thị 01/CT-TTg) — "
                                   "consolidates the provinces' border-protection reports.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("template", help="tạo mẫu báo cáo Excel / write the report template")
    p.add_argument("--province", help="tên hoặc mã tỉnh / province name or code (pre-fills the report)")
    p.add_argument("--period", help="kỳ báo cáo, vd 2024 hoặc 2024S1 / period code")
    p.add_argument("-o", "--output", required=True, help="file .xlsx to write")
    p.set_defaults(func=_cmd_template)

    p = sub.add_parser("sample", help="tạo báo cáo mẫu / write synthetic sample reports")
    p.add_argument("--out", required=True, help="folder to write into")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same files)")
    p.add_argument("--provinces", help="comma-separated province codes (default: every expected province)")
    p.add_argument("--years", help="e.g. 2016-2024 (default: every year with reports)")
    p.add_argument("--kinds", default="year,half", help="year, half or both (default year,half)")
    p.add_argument("--segment-rows", type=int, help="rows in doan_bien_gioi per report (for large files)")
    p.add_argument("--demo-inbox", action="store_true", help="write the seed and faulty demo reports instead")
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser("ingest", help="nhận báo cáo trong hộp thư / load the inbox into the warehouse")
    p.add_argument("--inbox", help="inbox folder (default inputs/inbox or COTMOC_INBOX)")
    p.add_argument("--warehouse", help="DuckDB file (default warehouse/cotmoc.duckdb or COTMOC_WAREHOUSE)")
    p.add_argument("--plain", action="store_true",
                   help="run without Prefect (same code, no flow run recorded): for a quick manual run")
    p.add_argument("--dask-workers", type=int, help="check workbooks on a local Dask cluster of N processes")
    p.add_argument("--dask-address", help="check workbooks on an existing Dask cluster (tcp://host:8786)")
    p.add_argument("--today", help=argparse.SUPPRESS)   # tests pin the date that 'future period' is judged by
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser("rollup", help="tổng hợp, xuất dữ liệu, báo cáo toàn quốc / exports and national report")
    p.add_argument("--period", action="append", help="period code (repeatable; default: every period with data)")
    p.add_argument("--csv", action="store_true", help="also write CSV beside the Parquet exports")
    p.add_argument("--warehouse", help="DuckDB file (default warehouse/cotmoc.duckdb or COTMOC_WAREHOUSE)")
    p.add_argument("--exports", help="exports folder (default exports/ or COTMOC_EXPORTS)")
    p.set_defaults(func=_cmd_rollup)

    p = sub.add_parser("serve", help="chạy theo lịch / run the scheduled deployments (Prefect)")
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("status", help="tình hình báo cáo / what arrived, what is missing, what failed")
    p.add_argument("--period", action="append", help="period code (repeatable; default: the last periods ended)")
    p.add_argument("--last", type=int, default=4, help="how many recent periods to show (default 4)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--warehouse", help="DuckDB file (default warehouse/cotmoc.duckdb or COTMOC_WAREHOUSE)")
    p.set_defaults(func=_cmd_status)

    p = sub.add_parser("demo", help="chạy thử với báo cáo mẫu / run the job on the bundled samples")
    p.set_defaults(func=_cmd_demo)
    _add_portal_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as exc:   # user errors: a message, not a traceback
        print(f"Lỗi / error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
