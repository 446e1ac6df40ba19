"""The message catalogue: every problem a check can report, by rule id, with what the steward reads.

The texts live in `messages.toml` beside this module, one entry per rule id: its severity, the message in
Vietnamese then English, and how to fix it in Vietnamese then English, as `str.format` templates with named
fields. Where a rule says different things in different cases (a column whose data was found elsewhere, a
reference list not yet verified), the entry holds those cases side by side: each overrides only the texts it
changes (`problem(rule, "case", ...)`, several cases apply in order). `like = "<rule>"` takes the texts an
entry does not give from another entry (`like = "<rule>:<case>"` from another case), so a shared fix is
written once.

`problem()` is the one way a check builds a `Problem`: one rule id has one home for its texts, and
`docs/bad-input.md` lists them from here. Fields are formatted the Vietnamese way for the Vietnamese texts;
`en={...}` gives the values that differ in the English ones (numbers with a decimal point, English names).
Where the problem sits (sheet, row, column, cell, value) is a field too: `{value}` is the value found.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Mapping

from cotmoc.core.problems import ERROR, WARNING, Problem

TEXTS = ("vi", "en", "fix_vi", "fix_en")           # the order a steward reads them in: Vietnamese first


@dataclass(frozen=True)
class Entry:
    rule: str
    severity: str
    vi: str
    en: str
    fix_vi: str
    fix_en: str
    cases: dict[str, dict[str, str]] = field(default_factory=dict)   # case → the texts (and severity) it changes

    def texts(self, *cases: str) -> dict[str, str]:
        """severity and the four templates, with `cases` applied in order."""
        out = {"severity": self.severity, **{k: getattr(self, k) for k in TEXTS}}
        for case in cases:
            out.update(self.cases[case])
        return out


def _parse(raw: dict) -> dict[str, Entry]:
    def plain(body: dict) -> dict:
        return {k: v for k, v in body.items() if not isinstance(v, dict)}

    def resolved(rule: str, seen: tuple = ()) -> dict:
        body = plain(raw[rule])
        like = body.pop("like", None)
        if like is None:
            return body
        if like in seen or like not in raw:
            raise ValueError(f"messages.toml: '{rule}' is like '{like}', which is {'a loop' if like in seen else 'missing'}")
        return {**resolved(like, (*seen, rule)), **body}

    def case_of(rule: str, name: str) -> dict:
        case = dict(raw[rule][name])
        like = case.pop("like", None)            # "<rule>:<case>": that case's texts, where this one gives none
        if like is None:
            return case
        other, _, other_case = like.partition(":")
        if other_case not in raw.get(other, {}) or "like" in raw[other][other_case]:
            raise ValueError(f"messages.toml: '{rule}' case '{name}' is like '{like}', which is missing or itself a like")
        return {**raw[other][other_case], **case}

    entries = {}
    for rule, body in raw.items():
        top = resolved(rule)
        cases = {name: case_of(rule, name) for name, case in body.items() if isinstance(case, dict)}
        entries[rule] = Entry(rule, top.get("severity", ERROR), *(top[k] for k in TEXTS), cases)
    return entries


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Entry]:
    """Every entry of messages.toml, by rule id, in the file's order."""
    text = resources.files(__package__).joinpath("messages.toml").read_text(encoding="utf-8")
    return _parse(tomllib.loads(text))


def entry(rule: str) -> Entry:
    return catalogue()[rule]


@lru_cache(maxsize=None)
def _chosen(rule: str, cases: tuple[str, ...]) -> dict[str, str]:
    """The severity and templates of a rule and cases (asked once per problem: a big report has thousands)."""
    chosen = entry(rule).texts(*cases)
    if chosen["severity"] not in (ERROR, WARNING):
        raise ValueError(f"messages.toml: '{rule}' has the severity '{chosen['severity']}'")
    return chosen


def texts(rule: str, *cases: str, en: Mapping | None = None, **fields) -> tuple[str, str, str, str]:
    """The four texts of `rule` (and `cases`) filled in: message vi, en, fix vi, en."""
    chosen = _chosen(rule, cases)
    english = {**fields, **(en or {})}
    return (chosen["vi"].format(**fields), chosen["en"].format(**english),
            chosen["fix_vi"].format(**fields), chosen["fix_en"].format(**english))


def problem(rule: str, *cases: str, sheet: str | None = None, row: int | None = None, column: str | None = None,
            cell: str | None = None, value: str | None = None, en: Mapping | None = None, **fields) -> Problem:
    """The Problem of `rule` with its catalogue texts filled in from `fields` (see the module docstring)."""
    severity = _chosen(rule, cases)["severity"]
    where = {"sheet": sheet, "row": row, "column": column, "cell": cell, "value": value}
    filled = texts(rule, *cases, en=en, **{k: v for k, v in where.items() if v is not None}, **fields)
    return Problem(severity, rule, *filled, **where)
