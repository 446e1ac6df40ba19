"""What people read: the template, the steward's annotated copy and problem list, the national workbook, the
terminal summaries and status. Sees only cotmoc.core."""
