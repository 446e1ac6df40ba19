"""The structure holds: the code passes ruff, the installed package has one top-level name (`cotmoc`: no
`schemas`, `warehouse` or `flows` beside it in site-packages), ships its SQL, reference data and sample reports,
keeps the layers of docs/architecture.md (import-linter, on the installed layout), and `cotmoc demo` runs from it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_ruff_finds_nothing():
    run = subprocess.run([str(BIN / "ruff"), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """`pip install --no-deps --target` of this checkout: the layout an office gets from the wheel."""
    target = tmp_path_factory.mktemp("installed")
    build = tmp_path_factory.mktemp("build")
    run = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(ROOT)],
                         capture_output=True, text=True, env={**os.environ, "TMPDIR": str(build)}, cwd=build)
    assert run.returncode == 0, run.stdout + run.stderr
    return target


@pytest.mark.slow
def test_the_package_installs_under_one_name_with_its_data(installed):
    tops = {p.name for p in installed.iterdir() if not p.name.endswith((".dist-info", ".egg-info")) and p.name != "bin"}
    assert tops == {"cotmoc"}
    package = installed / "cotmoc"
    for layer in ("core", "reading", "outputs", "pipeline", "flows", "schemas", "warehouse"):
        assert (package / layer / "__init__.py").exists(), layer
    assert sorted(p.name for p in (package / "warehouse" / "migrations").glob("*.sql"))
    assert (package / "warehouse" / "sql" / "100_staging.sql").exists()
    assert (package / "warehouse" / "reference" / "provinces.csv").exists()
    assert (package / "warehouse" / "dictionary.csv").exists()
    shipped = {p.relative_to(package / "bundled_samples") for p in (package / "bundled_samples").glob("*/*.xlsx")}
    assert shipped == {p.relative_to(ROOT / "inputs" / "samples") for p in (ROOT / "inputs" / "samples").glob("*/*.xlsx")}


@pytest.mark.slow
def test_the_layers_hold(installed, tmp_path):
    run = subprocess.run([str(BIN / "lint-imports"), str(ROOT / "pyproject.toml")], cwd=tmp_path, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(installed)})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


@pytest.mark.slow
def test_demo_runs_from_the_installed_package(installed, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(installed), "COTMOC_HOME": str(tmp_path), "PREFECT_HOME": str(tmp_path / "prefect"),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
           "PREFECT_LOGGING_LEVEL": "WARNING", "COTMOC_CHECK_WORKERS": "1"}
    env.pop("PREFECT_API_URL", None)
    run = subprocess.run([sys.executable, "-c", "import sys, cotmoc.cli; sys.exit(cotmoc.cli.main(['demo']))"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert str(installed) in subprocess.run([sys.executable, "-c", "import cotmoc; print(cotmoc.__file__)"], env=env,
                                            capture_output=True, text=True, cwd=tmp_path).stdout
    copied = len(list((installed / "cotmoc" / "bundled_samples").glob("*/*.xlsx")))
    assert f"copied {copied} sample reports" in run.stdout
    assert (tmp_path / "warehouse" / "cotmoc.published.duckdb").exists()
