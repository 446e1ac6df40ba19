"""Libraries a cotmoc process never uses but would pay to import (issue 16's fixed cost, tests/test_fixed_cost.py).

pandera imports hypothesis, for its data-synthesis strategies, whenever hypothesis is installed: in a development
or test install (`make install`) that is ≈ 0.7 s, its plugins (trio, pytest) included, in every process that checks
a file. cotmoc never synthesises data through pandera, so its command-line process and its check workers mark
hypothesis absent before pandera is imported; pandera then goes on without its strategies, as it does in an install
without hypothesis. A test run (pytest, whose hypothesis plugin imports it late) and a process that already
imported it are left alone.
"""
from __future__ import annotations

import sys

UNUSED = ("hypothesis",)


def keep_out_unused_imports() -> None:
    if "pytest" in sys.modules:
        return
    for name in UNUSED:
        sys.modules.setdefault(name, None)       # None in sys.modules: `import name` raises ImportError
