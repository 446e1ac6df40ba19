"""The pipeline: ingest (plan → check → commit → file), rollup, the warehouse lock, the check workers. Uses the
reading, schemas, warehouse and outputs layers; orchestrated by cotmoc.flows and the CLI."""
