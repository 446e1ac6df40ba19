"""The reporting portal (`cotmoc web`): province stewards check and send their own reports in the browser,
the office sees every province's state on one page.

A thin web layer: every check, message, template and figure comes from the functions the flow, the CLI
and the tests call, through ONE adapter (`cotmoc/portal/library.py`). The portal never writes the
warehouse: it reads the published copy and hands a submitted file to the ingest through the inbox. Its
own state (accounts, sessions, uploads, audit log) is a SQLite file beside the warehouse (`store.py`).

Modules: `library.py` (the adapter), `store.py` (SQLite state), `security.py` (passwords, signed
cookies, CSRF, login throttling), `app.py` (the Starlette app and its routes), `views.py` (what the
pages show), `commands.py` (what `cotmoc web` and `cotmoc users` do).
"""
