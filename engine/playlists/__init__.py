"""Playlists of tracks from any shows: each item a recording's track, found again by the
archive's name for it, played from disk when it is there and streamed when not."""
