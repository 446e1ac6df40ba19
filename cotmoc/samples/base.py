"""What a sample report is, and the arithmetic that makes its figures add up exactly."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from cotmoc.outputs.template import write_report


@dataclass
class SampleReport:
    """One province's report for one period, as rows keyed by the contract's column codes."""
    file_name: str
    info: dict
    teams: list[dict] = field(default_factory=list)
    segments: list[dict] = field(default_factory=list)
    awards: list[dict] = field(default_factory=list)

    def write(self, path: Path | str, *, enum_labels: bool = True) -> Path:
        return write_report(path, self.info, self.teams, self.segments, self.awards, enum_labels=enum_labels)


def split_total(rng: random.Random, total: int, parts: int, minimum: int = 0) -> list[int]:
    """Split a whole number into `parts` whole numbers ≥ minimum that add up to exactly `total`."""
    if parts <= 0:
        return []
    spare = total - minimum * parts
    if spare < 0:
        raise ValueError(f"cannot split {total} into {parts} parts of at least {minimum}")
    weights = [rng.random() + 0.2 for _ in range(parts)]
    scale = spare / sum(weights)
    shares = [int(w * scale) for w in weights]
    for i in rng.sample(range(parts), spare - sum(shares)):   # hand out what rounding left over
        shares[i] += 1
    return [minimum + s for s in shares]


def km_from_metres(metres: list[int]) -> list[float]:
    """Whole metres → km with three decimals, so that column sums are exact to the metre."""
    return [m / 1000 for m in metres]


def marker_ranges(counts: list[int], start: int = 1) -> list[tuple[str | None, str | None]]:
    """Consecutive, never-overlapping marker ranges for stretches holding `counts` markers each."""
    out, next_marker = [], start
    for n in counts:
        if n == 0:
            out.append((None, None))
            continue
        out.append((str(next_marker), str(next_marker + n - 1)))
        next_marker += n
    return out
