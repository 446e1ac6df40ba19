"""Documentation generated from the code stays current (regenerate with `python -m cotmoc.docgen`)."""
import pytest

from cotmoc.docgen import PAGES


@pytest.mark.parametrize("path", list(PAGES), ids=lambda p: p.name)
def test_generated_doc_is_current(path):
    assert path.read_text(encoding="utf-8") == PAGES[path](), "run: python -m cotmoc.docgen"
