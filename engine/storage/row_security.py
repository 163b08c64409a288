"""Isolation the database enforces, on PostgreSQL: each member connects as their own role, and a
policy on every personal table lets a role read and write only the rows it owns (``owner =
current_user``); the shared tables stay shared. The statements are made here, for ``liveset
household setup`` to run (as the database's owner) or print."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import text

from engine.errors import ConfigError
from engine.storage.schema import PERSONAL_TABLES

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from sqlalchemy.orm import Session

POLICY = "liveset_own_rows"
_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def statements(members: Iterable[str], database: str) -> list[str]:
    """The SQL that makes ``members`` roles of the household (each may log in, by peer or
    password authentication as ``pg_hba.conf`` says) and turns row-level security on."""
    out: list[str] = []
    for member in members:
        if not _ROLE.fullmatch(member):
            raise ConfigError("member", member, "a role name of lower-case letters, digits, _")
        out += [
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
            f"'{member}') THEN CREATE ROLE \"{member}\" LOGIN; END IF; END $$",
            f'GRANT CONNECT ON DATABASE "{database}" TO "{member}"',
            f'GRANT USAGE ON SCHEMA public TO "{member}"',
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{member}"',
            f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{member}"',
        ]
    for table in PERSONAL_TABLES:
        out += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"DROP POLICY IF EXISTS {POLICY} ON {table}",
            f"CREATE POLICY {POLICY} ON {table} USING (owner = current_user) "
            "WITH CHECK (owner = current_user)",
        ]
    return out


def apply(session: Session, sql: Sequence[str]) -> None:
    """Run the statements, in one transaction."""
    for line in sql:
        session.execute(text(line))
