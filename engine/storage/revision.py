"""The newest schema revision, in a module of its own: what a quick read-only look at the
database checks before it trusts the tables it reads (tests/test_storage.py checks it against
alembic's head)."""

HEAD = "0012"
