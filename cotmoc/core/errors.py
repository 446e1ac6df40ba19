"""The error root: every error cotmoc raises for a person to read is a `CotmocError`, with a message in
Vietnamese then English and the exit code the command line ends with (cotmoc/core/faults.py has the table).
The CLI prints such an error's message and exits with its code; any other exception is a bug in cotmoc and is
shown as one (its traceback, and a line asking to report it).

- `UsageError` (exit 2): a wrong option or value: an unknown province, a period code that is not one, a file
  that must not be overwritten, an account that does not exist. It is also a `ValueError`, which callers that
  validate input (the portal's forms) catch.
- `MissingInput` (exit 2): something the command needs is not there yet (no warehouse before the first ingest);
  also a `FileNotFoundError`.
- `Fault` (cotmoc/core/faults.py, exits 3–5): the machine or another process stopped the job.

A broken invariant of cotmoc's own code (a record built wrongly) stays a plain exception: it is a bug.
"""
from __future__ import annotations

EXIT_OK, EXIT_USAGE, EXIT_BUSY, EXIT_ENVIRONMENT, EXIT_DAMAGED = 0, 2, 3, 4, 5
EXIT_BUG = 1                 # an exception that is not a CotmocError: Python's own exit code for it


class CotmocError(Exception):
    """An error cotmoc explains instead of crashing; `exit_code` is what the CLI exits with."""
    exit_code = EXIT_USAGE
    reported = False          # already said (in a flow run's log): the CLI does not say it again


class UsageError(CotmocError, ValueError):
    """A wrong option or value given to cotmoc (exit 2)."""


class MissingInput(CotmocError, FileNotFoundError):
    """What the command works on is not there (yet): no warehouse before the first ingest (exit 2)."""

    def __str__(self) -> str:              # FileNotFoundError(message) would print "(errno) message" otherwise
        return str(self.args[0]) if self.args else ""
