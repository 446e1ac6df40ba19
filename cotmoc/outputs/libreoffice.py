"""LibreOffice headless conversions: proof that files open in LibreOffice Calc, and a second real
writer of workbooks for the tests (stewards do save their reports from LibreOffice).

What a headless conversion does not keep, whatever the input: frozen panes and other view settings
(there is no view to save them from), and formatted empty rows more than about 1,000 rows below the
last filled one (data validation ranges are cut to the same rows).
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


def soffice() -> str | None:
    """Path of the soffice binary, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(src: Path | str, fmt: str, out_dir: Path | str, *, timeout: int = 180) -> Path:
    """Convert `src` to `fmt` ("xlsx", "ods", "xls", or "ext:FilterName") into out_dir and return the new
    file. Runs soffice headless with a throw-away user profile, so it neither meets nor disturbs a Calc
    that someone has open. RuntimeError when LibreOffice is missing, fails, or runs past `timeout` s."""
    binary = soffice()
    if binary is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    src, out_dir = Path(src), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{src.stem}.{fmt.split(':')[0]}"
    target.unlink(missing_ok=True)       # never mistake an earlier conversion for this one
    with tempfile.TemporaryDirectory(prefix="cotmoc-lo-") as profile:
        try:
            run = subprocess.run(
                [binary, "--headless", "--norestore", "--nolockcheck",
                 f"-env:UserInstallation={Path(profile).as_uri()}",
                 "--convert-to", fmt, "--outdir", str(out_dir), str(src)],
                capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            raise RuntimeError(f"LibreOffice took more than {timeout} s to convert {src.name}") from e
    if run.returncode != 0 or not target.exists():
        raise RuntimeError(f"LibreOffice could not convert {src.name}: {run.stdout.strip()} {run.stderr.strip()}")
    return target
