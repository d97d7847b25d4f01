"""Public listings in one place: filters, dates, page arguments, keyset paging, translations.

Pure parts (`filters`, `dates`, `paging`'s cursor) need no session; `sql` and `elastic`
translate the parsed filters for each backend. `services/` and `search/` both build on
this package, and it imports neither.
"""
