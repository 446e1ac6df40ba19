"""cotmoc: consolidates provincial reports on the border-protection movement (Directive 01/CT-TTg)."""
import os

# DuckDB allocates through its own copy of jemalloc, which keeps freed pages for a while before giving them back:
# a long backfill's loading process peaked ≈ 30 MB higher with them (docs/scaling.md). Freed pages go back at
# once instead. jemalloc reads this when `duckdb` is imported, so it is set here, before any cotmoc module
# imports it; a setting of the caller's own is kept.
os.environ.setdefault("DUCKDB_JE_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")

from cotmoc.core.contract import TEMPLATE_VERSION  # noqa: E402  (after the allocator's setting)

__version__ = "0.1.0"
__all__ = ["TEMPLATE_VERSION", "__version__"]
