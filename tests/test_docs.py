"""Documentation generated from the code stays current."""
from cotmoc.docgen import DOC_PATH, render


def test_workbook_doc_is_current():
    assert DOC_PATH.read_text(encoding="utf-8") == render(), "run: python -m cotmoc.docgen"
