"""The command palette: the app's main actions, and jumping to an artist or a concert."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.host import Host, host_of

ACTIONS = (
    ("Browse the archive", "switch_mode('browse')", "Artists, years, concerts and search"),
    ("Downloads", "switch_mode('downloads')", "The download queue"),
    ("Library", "switch_mode('library')", "What is on disk"),
    ("Play queue", "switch_mode('queue')", "What plays next"),
    ("Discover", "switch_mode('discover')", "Picks for you, scored here, each with why"),
    ("Playlists", "switch_mode('playlists')", "Your lists of tracks from any shows"),
    ("History", "history", "Every play, newest first"),
    ("Listening stats", "stats", "Hours a week, top artists, shows and songs, in charts"),
    ("Cache: what it holds", "cache_stats", "The cached answers of archive.org, by kind"),
    ("Cache: clear it", "clear_cache", "Forget every cached answer (asked again when needed)"),
    ("Radio on / off", "radio", "When the queue runs out, play the best pick next"),
    ("Play / pause", "play_pause", "Toggle playback"),
    ("Next track", "next_track", "Skip to the next track"),
    ("Previous track", "previous_track", "Back to the previous track"),
    ("Repeat: off / all / one", "repeat", "Cycle the repeat mode"),
    ("On this day", "on_this_day", "Concerts played on today's date"),
    ("Surprise me", "surprise", "A random well-rated concert"),
    ("Scan the library", "scan_library", "Look for new, changed and removed files"),
    ("Keys", "help", "Every key binding"),
)


class LivesetCommands(Provider):
    """Actions first; then the artists and concerts the app has seen (in browse)."""

    @property
    def liveset(self) -> Host:
        return host_of(self.app)

    async def discover(self) -> Hits:
        for name, action, help_text in ACTIONS:
            yield DiscoveryHit(name, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in ACTIONS:
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(self.app.run_action, action),
                    help=help_text,
                )
        for artist in self.liveset.known_artists:
            text = f"Artist: {artist}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score * 0.9, matcher.highlight(text), partial(self.liveset.open_artist, artist)
                )
        for name in list(self.liveset.known_playlists):
            text = f"Playlist: {name}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score * 0.85,
                    matcher.highlight(text),
                    partial(self.app.run_action, "switch_mode('playlists')"),
                )
        for (artist, date), venue in list(self.liveset.known_concerts.items()):
            text = f"Concert: {artist} {date} {venue}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score * 0.8,
                    matcher.highlight(text),
                    partial(self.liveset.open_concert, artist, date),
                )
