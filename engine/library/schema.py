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
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


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
