"""Reading a province's workbook safely (workbook.py) and normalising its cells into typed tables (normalise.py).
Sees only cotmoc.core."""
