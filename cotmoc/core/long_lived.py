"""The objects a command imports live as long as its process: kept out of the garbage collector's way, and not
torn down one by one at its end (issue 16: fixed cost and per-workbook CPU).

Importing Prefect, pandas, pandera and DuckDB creates about a million objects. Python's cyclic collector walked
them again and again while they were created, at every full collection during the work, and again while the
interpreter tore them down at exit. Measured on `import prefect` plus cotmoc's flow, 10 alternating pairs
(farm-bench): 0.93 × the plain process with the imports set aside below; 0.68 × when it also ends without the
teardown.

- `heavy_imports()`: in cotmoc's own processes (the command, a check worker: `set_aside_imports()`), the imports
  inside run with the collector paused, and what exists then is set aside for good (`gc.freeze`): later
  collections walk only what the work creates. A forked check worker inherits them as they are. At exit they are
  handed back (`gc.unfreeze`), so a process that ends the ordinary way tears them down as before (DuckDB's
  bindings print "leaked instances" for objects left frozen). In any other process (a test run, a notebook using
  the library) it does nothing: a freeze there would keep that process's garbage cycles for good.
- `begin_command()` (set_aside_imports and arm_quick_exit) first thing, then `quick_exit(code)`: the `cotmoc`
  command ends right after every exit handler has run (Prefect stops its temporary server, logging flushes, pools
  end their workers), without the teardown. Open files are the code's own to close (they are, by `with`); the
  standard streams are flushed here.
"""
from __future__ import annotations

import atexit
import gc
import os
import sys
from contextlib import contextmanager
from typing import NoReturn

_exit_code: list[int] = []       # set by quick_exit: the handler armed first ends the process with it
_own_process: list[bool] = []    # set_aside_imports was called: this is the command's process or a check worker


def begin_command() -> None:
    """First thing in the `cotmoc` command's process (cotmoc.cli.run, and the benchmark running it likewise)."""
    set_aside_imports()
    arm_quick_exit()


def set_aside_imports() -> None:
    """This process is cotmoc's own: heavy imports are set aside from here on, and handed back at its end."""
    if not _own_process:
        atexit.register(gc.unfreeze)
        _own_process.append(True)


@contextmanager
def heavy_imports():
    """Run the imports inside with the collector paused, then freeze what exists and let it run again (as it was:
    nested, only the outermost turns it back on)."""
    if not _own_process:
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def arm_quick_exit() -> None:
    """First thing in a command's process: exit handlers run last-registered first, so this one runs after all."""
    atexit.register(_end_now)


def quick_exit(code: int | None) -> NoReturn:
    """Leave with `code` (sys.exit: threads joined, every exit handler run), then end without the teardown. None
    is 0, as for sys.exit; anything else that is not a number (a message) takes sys.exit's ordinary way."""
    code = 0 if code is None else code
    if isinstance(code, int):
        _exit_code.append(code)
    sys.exit(code)


def _end_now() -> None:
    if not _exit_code:               # left another way (argparse's usage error, --help): the ordinary end
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):   # closed, a broken pipe, replaced by None
            pass
    os._exit(_exit_code[-1])
