"""The core: what every other layer may use and which uses nothing of cotmoc above it — the workbook contract,
problems, periods, reference data, settings, Vietnamese text and numbers, display rules, the records passed
between steps. See docs/architecture.md for who may import whom."""
