"""The SQLAlchemy schema. Changes go with a new migration in ``migrations/versions``."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Personal:
    """A row of one person's listening: ``owner`` is their profile. Sessions of a person's
    database see and write only their own rows (``engine.storage.personal``); on PostgreSQL,
    row-level security can hold every role to its own as well."""

    owner: Mapped[str] = mapped_column(String(64), index=True)


PERSONAL_TABLES = (
    "plays",
    "feedback",
    "imported_artists",
    "playlists",
    "playlist_items",
    "play_queue",
    "player_resume",
    "searches",
)
"""Every table of personal rows: the migration, the row-level security and the tests read it."""


#: Database objects made by migrations outside these models: the full-text indexes of the
#: library and of the catalog.
FULL_TEXT_OBJECTS = (
    "library_fts",
    "ix_library_files_search",
    "catalog_fts",
    "ix_catalog_items_search",
)


def has_fts5(session: Session, table: str) -> bool:
    """Whether SQLite made the FTS5 table ``table`` (a build without FTS5 makes none, and
    search falls back to LIKE)."""
    found = session.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
        {"name": table},
    ).first()
    return found is not None


def is_modelled(name: str | None, type_: str, _parent: object = None) -> bool:
    """For schema comparisons: leave out the full-text objects (SQLite FTS5 tables and their
    shadow tables, the PostgreSQL index and the text-search column it indexes)."""
    return not (name and name.startswith(FULL_TEXT_OBJECTS))


class ArtistRow(Base):
    __tablename__ = "artists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identifier: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(500), index=True)
    item_count: Mapped[int | None] = mapped_column(Integer)
    downloads: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[float] = mapped_column(Float)


class ConcertRow(Base):
    __tablename__ = "concerts"
    __table_args__ = (UniqueConstraint("artist_key", "date", name="uq_concerts_artist_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    artist_key: Mapped[str] = mapped_column(String(500))
    artist: Mapped[str] = mapped_column(String(500))
    date: Mapped[str] = mapped_column(String(10), index=True)
    venue: Mapped[str] = mapped_column(String(500), default="")
    city: Mapped[str] = mapped_column(String(500), default="")

    recordings: Mapped[list[RecordingRow]] = relationship(back_populates="concert")


class RecordingRow(Base):
    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identifier: Mapped[str] = mapped_column(String(255), unique=True)
    concert_id: Mapped[int | None] = mapped_column(
        ForeignKey("concerts.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(Text, default="")
    artist: Mapped[str] = mapped_column(String(500), default="")
    date: Mapped[str | None] = mapped_column(String(10), index=True)
    venue: Mapped[str] = mapped_column(String(500), default="")
    city: Mapped[str] = mapped_column(String(500), default="")
    source_kind: Mapped[str] = mapped_column(String(16), default="unknown")
    source: Mapped[str] = mapped_column(Text, default="")
    taper: Mapped[str] = mapped_column(Text, default="")
    transferer: Mapped[str] = mapped_column(Text, default="")
    lineage: Mapped[str] = mapped_column(Text, default="")
    avg_rating: Mapped[float | None] = mapped_column(Float)
    num_reviews: Mapped[int] = mapped_column(Integer, default=0)
    downloads: Mapped[int | None] = mapped_column(Integer)
    formats: Mapped[list[str]] = mapped_column(JSON, default=list)
    total_size: Mapped[int | None] = mapped_column(BigInteger)
    duration: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    has_details: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[float] = mapped_column(Float)

    concert: Mapped[ConcertRow | None] = relationship(back_populates="recordings")
    tracks: Mapped[list[TrackRow]] = relationship(
        back_populates="recording", cascade="all, delete-orphan", order_by="TrackRow.position"
    )
    reviews: Mapped[list[ReviewRow]] = relationship(
        back_populates="recording", cascade="all, delete-orphan", order_by="ReviewRow.id"
    )


class TrackRow(Base):
    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(
        ForeignKey("recordings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    disc: Mapped[int] = mapped_column(Integer, default=1)
    number: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(Text, default="")
    set_name: Mapped[str] = mapped_column(String(32), default="")
    segue: Mapped[bool] = mapped_column(Boolean, default=False)
    duration: Mapped[float | None] = mapped_column(Float)

    recording: Mapped[RecordingRow] = relationship(back_populates="tracks")
    files: Mapped[list[TrackFileRow]] = relationship(
        back_populates="track", cascade="all, delete-orphan", order_by="TrackFileRow.id"
    )


class TrackFileRow(Base):
    __tablename__ = "track_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger)
    md5: Mapped[str | None] = mapped_column(String(32))
    sha1: Mapped[str | None] = mapped_column(String(40))
    crc32: Mapped[str | None] = mapped_column(String(8))
    length: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(32), default="")
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    bitrate: Mapped[int | None] = mapped_column(Integer)

    track: Mapped[TrackRow] = relationship(back_populates="files")


class ReviewRow(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[int] = mapped_column(
        ForeignKey("recordings.id", ondelete="CASCADE"), index=True
    )
    reviewer: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    stars: Mapped[int | None] = mapped_column(Integer)
    date: Mapped[str] = mapped_column(String(32), default="")

    recording: Mapped[RecordingRow] = relationship(back_populates="reviews")


class ResponseCacheRow(Base):
    __tablename__ = "response_cache"
    __table_args__ = (Index("ix_response_cache_kind_fetched", "kind", "fetched_at"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(Text)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    fetched_at: Mapped[float] = mapped_column(Float)


class DownloadRow(Base):
    """One file of a recording to download, in one format; recordings group by ``identifier``."""

    __tablename__ = "downloads"
    __table_args__ = (
        UniqueConstraint("identifier", "file_name", name="uq_downloads_identifier_file"),
        Index("ix_downloads_state", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identifier: Mapped[str] = mapped_column(String(255), index=True)
    file_name: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="track")  # track | info
    title: Mapped[str] = mapped_column(Text, default="")
    track_number: Mapped[int | None] = mapped_column(Integer)
    disc: Mapped[int | None] = mapped_column(Integer)
    dest_path: Mapped[str] = mapped_column(Text)  # relative to the music dir
    size: Mapped[int | None] = mapped_column(BigInteger)
    md5: Mapped[str | None] = mapped_column(String(32))
    sha1: Mapped[str | None] = mapped_column(String(40))
    crc32: Mapped[str | None] = mapped_column(String(8))
    bytes_done: Mapped[int] = mapped_column(BigInteger, default=0)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    tags: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)  # cleared from the list
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float)


class LibraryFileRow(Base):
    """An audio file on disk, with the tags the scanner read (or why it could not)."""

    __tablename__ = "library_files"
    __table_args__ = (
        Index("ix_library_files_artist_date", "artist", "date"),
        Index("ix_library_files_album", "album"),
        # The artists list and its concert counts, read from the index alone.
        Index("ix_library_files_readable", "problem", "artist", "album"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    root: Mapped[str] = mapped_column(Text, index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[str] = mapped_column(String(32), default="")
    artist: Mapped[str] = mapped_column(Text, default="")
    album: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[str] = mapped_column(String(10), default="")
    venue: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str] = mapped_column(Text, default="")
    track_number: Mapped[int | None] = mapped_column(Integer)
    disc: Mapped[int | None] = mapped_column(Integer)
    duration: Mapped[float | None] = mapped_column(Float)
    identifier: Mapped[str] = mapped_column(String(255), default="", index=True)
    problem: Mapped[str] = mapped_column(Text, default="")  # why tags could not be read
    scanned_at: Mapped[float] = mapped_column(Float)


class PlayRow(Personal, Base):
    __tablename__ = "plays"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identifier: Mapped[str] = mapped_column(String(255), default="", index=True)
    file_name: Mapped[str] = mapped_column(Text, default="")
    path: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[float] = mapped_column(Float, index=True)
    seconds_played: Mapped[float] = mapped_column(Float, default=0.0)
    position: Mapped[float] = mapped_column(Float, default=0.0)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(Text, default="", server_default="")
    artist: Mapped[str] = mapped_column(Text, default="", server_default="")
    album: Mapped[str] = mapped_column(Text, default="", server_default="")
    duration: Mapped[float | None] = mapped_column(Float)


class FeedbackRow(Personal, Base):
    """Favourite and like/dislike on a track, a recording or an artist."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("owner", "target_kind", "target", name="uq_feedback_owner_target"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(16))  # track | recording | artist
    target: Mapped[str] = mapped_column(Text)
    favourite: Mapped[bool] = mapped_column(Boolean, default=False)
    rating: Mapped[int] = mapped_column(Integer, default=0)  # -1 dislike, 0, 1 like
    not_interested: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )  # never recommend it
    updated_at: Mapped[float] = mapped_column(Float)


class ImportedArtistRow(Personal, Base):
    """An artist of a listening history imported from another service, with its plays there
    and the catalog artist it was matched to (``matched``: an artist key; "" if none)."""

    __tablename__ = "imported_artists"
    __table_args__ = (
        UniqueConstraint("owner", "source", "name", name="uq_imported_artists_owner_source_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))  # listenbrainz | lastfm
    name: Mapped[str] = mapped_column(String(500))
    artist_key: Mapped[str] = mapped_column(String(500))
    matched: Mapped[str] = mapped_column(String(500))
    plays: Mapped[int] = mapped_column(Integer)
    last_played: Mapped[float | None] = mapped_column(Float)


class PlaylistRow(Personal, Base):
    __tablename__ = "playlists"
    __table_args__ = (UniqueConstraint("owner", "name", name="uq_playlists_owner_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[float] = mapped_column(Float)

    items: Mapped[list[PlaylistItemRow]] = relationship(
        back_populates="playlist", cascade="all, delete-orphan", order_by="PlaylistItemRow.position"
    )


class PlaylistItemRow(Personal, Base):
    __tablename__ = "playlist_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    playlist_id: Mapped[int] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    identifier: Mapped[str] = mapped_column(String(255), default="")
    file_name: Mapped[str] = mapped_column(Text, default="")
    path: Mapped[str] = mapped_column(Text, default="")

    playlist: Mapped[PlaylistRow] = relationship(back_populates="items")


class QueueEntryRow(Personal, Base):
    """The play queue as it was last, so the next start continues where this one stopped."""

    __tablename__ = "play_queue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, index=True)
    uri: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    artist: Mapped[str] = mapped_column(Text, default="")
    album: Mapped[str] = mapped_column(Text, default="")
    identifier: Mapped[str] = mapped_column(String(255), default="")
    file_name: Mapped[str] = mapped_column(Text, default="")
    duration: Mapped[float | None] = mapped_column(Float)


class PlayerResumeRow(Personal, Base):
    """Where playback stood: the queue entry and the seconds into it (one row a person)."""

    __tablename__ = "player_resume"
    __table_args__ = (UniqueConstraint("owner", name="uq_player_resume_owner"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    queue_index: Mapped[int | None] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    volume: Mapped[float] = mapped_column(Float, default=100.0)
    updated_at: Mapped[float] = mapped_column(Float)


class SearchRow(Personal, Base):
    """What a person searched for, in a search box (``scope``: browse, library), when last."""

    __tablename__ = "searches"
    __table_args__ = (
        UniqueConstraint("owner", "scope", "text", name="uq_searches_owner_scope_text"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    used_at: Mapped[float] = mapped_column(Float, index=True)


class HouseholdRow(Base):
    """What everyone of one database shares, as names and values: ``music_dir``, the folder
    stored paths are relative to."""

    __tablename__ = "household"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class RepairRow(Base):
    """One-shot repairs a migration leaves for the engine to finish (work on files, which a
    migration cannot do): ``done_at`` is set when it has run."""

    __tablename__ = "repairs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    done_at: Mapped[float | None] = mapped_column(Float)


class CatalogItemRow(Base):
    """One recording of the local catalog of the Live Music Archive (``engine/catalog``): what
    a search doc says of it, kept so that browsing needs no request."""

    __tablename__ = "catalog_items"
    __table_args__ = (
        Index("ix_catalog_items_artist_date", "artist_key", "date"),
        Index("ix_catalog_items_month_day", "month", "day"),
    )

    # The concert's date and an arrival number (engine/catalog/store.py, KEY_SPAN): 64 bits;
    # on SQLite the rowid itself.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    identifier: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    artist: Mapped[str] = mapped_column(String(500), default="")
    artist_key: Mapped[str] = mapped_column(String(500), default="")
    artist_collection: Mapped[str] = mapped_column(String(255), default="", index=True)
    date: Mapped[str | None] = mapped_column(String(10), index=True)
    year: Mapped[int | None] = mapped_column(Integer)
    month: Mapped[int | None] = mapped_column(Integer)
    day: Mapped[int | None] = mapped_column(Integer)
    venue: Mapped[str] = mapped_column(String(500), default="")
    city: Mapped[str] = mapped_column(String(500), default="")
    source_kind: Mapped[str] = mapped_column(String(16), default="unknown")
    source: Mapped[str] = mapped_column(Text, default="")
    taper: Mapped[str] = mapped_column(Text, default="")
    transferer: Mapped[str] = mapped_column(Text, default="")
    lineage: Mapped[str] = mapped_column(Text, default="")
    avg_rating: Mapped[float | None] = mapped_column(Float)
    num_reviews: Mapped[int] = mapped_column(Integer, default=0)
    downloads: Mapped[int | None] = mapped_column(Integer)
    formats: Mapped[str] = mapped_column(Text, default="")  # the archive's names, "|" between
    size: Mapped[int | None] = mapped_column(BigInteger)
    collections: Mapped[str] = mapped_column(Text, default="")  # artist and fav-<user> lists
    subjects: Mapped[str] = mapped_column(Text, default="")  # "; " between
    added: Mapped[str] = mapped_column(String(20), default="")
    updated: Mapped[str] = mapped_column(String(20), default="")
    seen: Mapped[int] = mapped_column(Integer, default=0)  # the last full pass that saw it


class CatalogArtistRow(Base):
    """An artist collection of the Live Music Archive, as the catalog last saw it."""

    __tablename__ = "catalog_artists"

    identifier: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(500), index=True)
    item_count: Mapped[int | None] = mapped_column(Integer)
    downloads: Mapped[int | None] = mapped_column(Integer)
    seen: Mapped[int] = mapped_column(Integer, default=0)


class CatalogStateRow(Base):
    """Where the catalog's sync stands (one row): the pass under way with its cursor, so a
    killed sync continues from its last committed page, and when the last ones ended."""

    __tablename__ = "catalog_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pass_kind: Mapped[str] = mapped_column(String(16), default="")  # "", "full", "update"
    pass_number: Mapped[int] = mapped_column(Integer, default=0)
    pass_started: Mapped[float | None] = mapped_column(Float)
    query: Mapped[str] = mapped_column(Text, default="")
    cursor: Mapped[str] = mapped_column(Text, default="")
    last_identifier: Mapped[str] = mapped_column(String(255), default="")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    since: Mapped[str] = mapped_column(String(20), default="")
    last_full: Mapped[float | None] = mapped_column(Float)
    last_sync: Mapped[float | None] = mapped_column(Float)
    high_water: Mapped[str] = mapped_column(String(20), default="")
    next_number: Mapped[int] = mapped_column(BigInteger, default=0)
