"""Each person's listening their own, in one place: a session of a person's database reads,
changes and deletes only that person's personal rows, and every personal row it adds is theirs.
No query of plays, feedback, the queue or playlists names an owner; this does it for them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria

from engine.storage.schema import Personal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker


def scope(sessions: sessionmaker[Session], owner: str) -> None:
    """Hold every session ``sessions`` makes to ``owner``'s personal rows."""

    def own_rows_only(state: ORMExecuteState) -> None:
        if state.is_select or state.is_update or state.is_delete:
            state.statement = state.statement.options(
                with_loader_criteria(Personal, lambda row: row.owner == owner, include_aliases=True)
            )

    def theirs(session: Session, _context: Any, _instances: Any) -> None:
        for row in session.new:
            if isinstance(row, Personal):
                row.owner = owner

    event.listen(sessions, "do_orm_execute", own_rows_only)
    event.listen(sessions, "before_flush", theirs)
