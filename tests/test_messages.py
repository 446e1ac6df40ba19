"""The message catalogue (cotmoc/core/messages.toml) is the one home of every problem's texts: each entry is
complete (Vietnamese first, then English, message and fix), every rule a check can give is in it, none of it is
unused, and one rule says one thing wherever it is found."""
from __future__ import annotations

import ast
import re
import tomllib

import pytest

from cotmoc.core import messages
from cotmoc.core.config import load_settings
from cotmoc.core.messages import TEXTS, catalogue, problem
from cotmoc.core.numbers import ERRORS
from cotmoc.core.problems import ERROR, WARNING
from cotmoc.pipeline.checking import check_files
from cotmoc.reading import normalise
from cotmoc.samples import broken_files, faulty

from tests.conftest import ROOT, TODAY

SOURCES = [p for folder in ("cotmoc", "schemas", "warehouse", "flows") for p in (ROOT / folder).rglob("*.py")]
#: the modules that build a Problem from its parts: the catalogue, and the two that read stored problems back
BUILDERS = {ROOT / "cotmoc/core/messages.py", ROOT / "warehouse/load.py", ROOT / "cotmoc/portal/library.py"}
RULE = re.compile(r"^[a-z_]+\.[a-z_]+$")
FILES = {"html", "md", "xlsx", "xls", "json", "toml", "sql", "csv", "txt"}      # "value.xlsx" names a file
_VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.I)


def _raw() -> dict:
    return tomllib.loads((ROOT / "cotmoc/core/messages.toml").read_text(encoding="utf-8"))


def _string_literals() -> dict[str, list[str]]:
    """Every string constant of the code outside the catalogue → the files it is in."""
    found: dict[str, list[str]] = {}
    for path in SOURCES:
        if path.name == "messages.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.setdefault(node.value, []).append(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("rule", list(catalogue()))
def test_every_entry_and_case_is_complete_vietnamese_first(rule):
    entry = catalogue()[rule]
    body = _raw()[rule]
    for case in ("", *entry.cases):
        t = entry.texts(*([case] if case else []))
        assert t["severity"] in (ERROR, WARNING), (rule, case)
        assert all(t[k].strip() for k in TEXTS), (rule, case, t)
        assert _VIETNAMESE.search(t["vi"]) and _VIETNAMESE.search(t["fix_vi"]), (rule, case, t)
        assert t["vi"] != t["en"] and t["fix_vi"] != t["fix_en"], (rule, case)
    # written in the order a steward reads them: Vietnamese message, English message, Vietnamese fix, English fix
    given = [k for k in body if k in TEXTS]
    assert given == [k for k in TEXTS if k in given], (rule, given)
    for name, case in entry.cases.items():
        written = [k for k in body[name] if k in TEXTS]
        assert written == [k for k in TEXTS if k in written], (rule, name, written)
        assert case, (rule, name)                  # a case changes something


def test_the_vietnamese_and_english_texts_take_the_same_fields():
    """A field in one language and not the other is a fact said to one reader only (`label_vi` and `label_en`
    are one field; the library's own words, `detail`, are English and go in the English half only)."""
    def fields(text: str) -> set[str]:
        return {re.sub(r"_(vi|en)$", "", f) for f in re.findall(r"\{(\w+)", text)} - {"detail"}
    for rule, entry in catalogue().items():
        for case in ("", *entry.cases):
            t = entry.texts(*([case] if case else []))
            assert fields(t["vi"]) == fields(t["en"]), (rule, case)
            # the Vietnamese fix may name the list's Vietnamese labels where the English one points at the dropdown
            assert fields(t["fix_en"]) <= fields(t["fix_vi"]), (rule, case)


def test_no_entry_is_unused_and_every_rule_the_code_names_is_in_the_catalogue():
    literals = _string_literals()
    unused = [rule for rule in catalogue() if rule not in literals]
    assert not unused, f"in messages.toml but given by no check: {unused}"
    families = {rule.split(".")[0] for rule in catalogue()}
    named = {s for s in literals if RULE.match(s) and s.split(".")[0] in families and s.split(".")[1] not in FILES}
    missing = named - set(catalogue())
    assert not missing, {s: literals[s] for s in missing}


def test_only_the_catalogue_builds_a_problem_from_texts():
    """Every check goes through messages.problem (so an unknown rule cannot be given): a Problem is built from its
    parts only by the catalogue and by the two modules that read stored problems back."""
    builders = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Problem":
                builders.add(path)
    assert builders <= BUILDERS, sorted(str(p.relative_to(ROOT)) for p in builders - BUILDERS)
    with pytest.raises(KeyError):
        problem("no.such_rule")


def test_every_number_error_has_its_rule():
    assert set(normalise._NUMBER_RULES) == set(ERRORS)
    for rule, *cases in normalise._NUMBER_RULES.values():
        assert set(cases) <= set(catalogue()[rule].cases)


CORPUS = [faulty.typo_number, faulty.km_past_border_total, faulty.wrong_team_type, faulty.stale_header,
          faulty.swapped_activity_figures, faulty.missing_sheet, faulty.duplicated_column, faulty.extra_column,
          faulty.merged_cells, faulty.repairable_text, faulty.bad_counts, lambda p: faulty.future_period(p, TODAY),
          lambda p: faulty.formulas(p, cached=False), faulty.hyperlink_note, broken_files.not_a_workbook,
          broken_files.truncated_zip, broken_files.password_protected, broken_files.empty_workbook,
          broken_files.xml_entity_bomb]


def test_the_faulty_and_broken_corpora_get_the_catalogues_texts(tmp_path):
    """The sample faults and broken files, checked as the ingest checks them: each problem is its rule's entry,
    filled in (no field left unfilled), its severity the catalogue's."""
    settings = load_settings(tmp_path, environ={})
    paths = []
    for i, build in enumerate(CORPUS):
        made = build(settings.inbox / f"f{i}.xlsx")
        paths.append((getattr(made, "path", made), None))
    seen = set()
    for checked in check_files(paths, settings, today=TODAY):
        for p in checked.problems:
            entry = catalogue()[p.rule]
            assert p.severity in {entry.severity, *(c.get("severity") for c in entry.cases.values())}, p
            for text in (p.message_vi, p.message_en, p.fix_vi, p.fix_en):
                assert text and not re.search(r"\{\w+\}", text), p
            seen.add(p.rule)
    assert len(seen) > 25, seen


def test_one_rule_says_one_thing_wherever_it_is_found(tmp_path):
    """`file.not_workbook` for a file named as no workbook is and for one whose bytes are none; `province.unknown`
    from the normaliser (a name) and from the schema (a code) — each time the catalogue's one text."""
    from cotmoc.reading.refusals import UnreadableWorkbook, check_container, check_name
    text_file = tmp_path / "ghi_chu.txt"
    text_file.write_text("không phải bảng tính", encoding="utf-8")
    renamed = broken_files.not_a_workbook(tmp_path / "bao_cao.xlsx")
    refusals = []
    for refuse in (lambda: check_name(text_file), lambda: check_container(renamed, 1 << 30, 1 << 30)):
        with pytest.raises(UnreadableWorkbook) as exc:
            refuse()
        refusals.append(exc.value.problem)
    assert refusals[0] == refusals[1] and refusals[0].rule == "file.not_workbook"
    entry = catalogue()["province.unknown"]
    from cotmoc.schemas.failures import CHECKS
    assert CHECKS["known_province"].rule == entry.rule
    said = messages.problem("province.unknown", label_vi="Tỉnh", label_en="Province", value="Atlantis",
                            hint="Lai Châu")
    assert said.message_vi == "Tỉnh: không rõ tỉnh 'Atlantis' (gần giống: Lai Châu)"
    assert said.message_en == "Province: unknown province 'Atlantis' (closest: Lai Châu)"


def test_the_bad_input_document_lists_every_rule():
    text = (ROOT / "docs" / "bad-input.md").read_text(encoding="utf-8")
    for rule, entry in catalogue().items():
        assert f"| `{rule}` |" in text, rule
        for case in entry.cases:
            assert f"| `{rule}` ({case}) |" in text, (rule, case)


def test_a_broken_catalogue_says_where(tmp_path):
    with pytest.raises(ValueError, match="'b.c' is like 'x.y', which is missing"):
        messages._parse({"b.c": {"like": "x.y", "vi": "v"}})
    with pytest.raises(ValueError, match="a loop"):
        messages._parse({"a.b": {"like": "b.c"}, "b.c": {"like": "a.b"}})


def test_the_catalogue_ships_with_the_package():
    from importlib.resources import files
    assert files("cotmoc.core").joinpath("messages.toml").is_file()
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    assert "messages.toml" in package_data["cotmoc.core"]
