"""The playlists' rows: a person's lists and their items in order (held to the person by the
storage's scoping, like every personal row)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from engine.errors import NotFoundError
from engine.storage.schema import PlaylistItemRow, PlaylistRow

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.orm import Session

MAX_NAME = 200


def names(session: Session) -> list[tuple[str, int]]:
    """Every playlist's name with how many items it has, by name."""
    count = func.count(PlaylistItemRow.id)
    query = (
        select(PlaylistRow.name, count)
        .outerjoin(PlaylistItemRow, PlaylistItemRow.playlist_id == PlaylistRow.id)
        .group_by(PlaylistRow.id, PlaylistRow.name)
        .order_by(func.lower(PlaylistRow.name))
    )
    return [(name, int(n)) for name, n in session.execute(query)]


def get(session: Session, name: str) -> PlaylistRow:
    found = session.scalars(select(PlaylistRow).where(PlaylistRow.name == name)).first()
    if found is None:
        raise NotFoundError(f"no playlist named {name!r} (liveset playlist list shows yours)")
    return found


def create(session: Session, name: str) -> None:
    if session.scalars(select(PlaylistRow.id).where(PlaylistRow.name == name)).first():
        raise NotFoundError(f"a playlist named {name!r} is there already")
    session.add(PlaylistRow(name=name, created_at=time.time()))


def rename(session: Session, name: str, new: str) -> None:
    playlist = get(session, name)
    if (
        new != name
        and session.scalars(select(PlaylistRow.id).where(PlaylistRow.name == new)).first()
    ):
        raise NotFoundError(f"a playlist named {new!r} is there already")
    playlist.name = new


def delete(session: Session, name: str) -> None:
    session.delete(get(session, name))


def items(session: Session, name: str) -> list[tuple[str, str]]:
    """The items of ``name`` in order, as (identifier, file name)."""
    return [(i.identifier, i.file_name) for i in get(session, name).items]


def add(session: Session, name: str, entries: Sequence[tuple[str, str]]) -> int:
    """Append ``entries`` (identifier, file name); how many the list then has."""
    playlist = get(session, name)
    start = len(playlist.items)
    for n, (identifier, file_name) in enumerate(entries):
        playlist.items.append(
            PlaylistItemRow(position=start + n, identifier=identifier, file_name=file_name)
        )
    return start + len(entries)


def remove(session: Session, name: str, positions: Sequence[int]) -> int:
    """Take out the items at ``positions`` (0-based); how many went."""
    playlist = get(session, name)
    gone = {p for p in positions if 0 <= p < len(playlist.items)}
    playlist.items = [item for n, item in enumerate(playlist.items) if n not in gone]
    for n, item in enumerate(playlist.items):
        item.position = n
    return len(gone)


def move(session: Session, name: str, source: int, target: int) -> None:
    playlist = get(session, name)
    ordered = list(playlist.items)
    if not (0 <= source < len(ordered) and 0 <= target < len(ordered)):
        raise NotFoundError(
            f"{name!r} has {len(ordered)} items: no item {source + 1} or {target + 1}"
        )
    ordered.insert(target, ordered.pop(source))
    for n, item in enumerate(ordered):
        item.position = n
