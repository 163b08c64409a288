"""The notice board: one toast a topic, a superseded one gone at once, few lines at 80x24.

Events go through the app's real router, in a running app with a real engine beside the fake
archive; the engine itself is exercised on these paths elsewhere (disk full, no sound)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets._toast import ToastRack

from engine import (
    ArchiveStatusChanged,
    DownloadsHeld,
    Notice,
    NoticeTopic,
    PlaybackFailed,
    PositionChanged,
)
from tests.test_tui import make_app, settle, wait_until
from tui.router import EngineEvent
from tui.widgets import NowPlayingBar

if TYPE_CHECKING:
    from engine import Event, Settings
    from tui.app import LivesetApp

OFFER = (
    "Keep the archive's index here (190,000 recordings, about 120 MB): browsing and search then "
    "answer at once, offline too. Press U to fetch it in the background."
)


def shown(app: LivesetApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def send(app: LivesetApp, *events: Event) -> None:
    for event in events:
        app.post_message(EngineEvent(event))


async def test_no_sound_goes_once_the_sound_plays(settings: Settings) -> None:
    app = make_app(settings, restore_playback=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        send(app, PlaybackFailed("no audio output could be opened", 0, stopped=True))
        await wait_until(pilot, lambda: "no audio output could be opened" in shown(app), "it")
        assert app.playback_note.startswith("no audio")
        send(app, PositionChanged(0.2, 300.0))  # not yet: a position alone is not sound
        await pilot.pause()
        assert "no audio output could be opened" in shown(app)
        send(app, PositionChanged(1.5, 300.0))
        await wait_until(pilot, lambda: not app.notices.showing(NoticeTopic.SOUND), "withdrawn")
        assert "no audio output could be opened" not in shown(app)
        assert app.playback_note == ""


async def test_a_matter_is_said_once_and_replaced_when_it_ends(settings: Settings) -> None:
    app = make_app(settings, restore_playback=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        retry = "archive.org is slow to answer; asking again"
        send(app, Notice(NoticeTopic.ARCHIVE, retry), Notice(NoticeTopic.ARCHIVE, retry))
        await wait_until(pilot, lambda: app.status_note == "archive.org: retrying", "the note")
        assert shown(app).count(retry) == 1
        send(app, Notice(NoticeTopic.ARCHIVE, ""))
        await wait_until(pilot, lambda: app.status_note == "", "the matter over")
        assert retry not in shown(app)
        send(app, DownloadsHeld("The disk is full: downloads wait for room"))
        await wait_until(pilot, lambda: app.status_note == "disk full", "the disk note")
        send(app, DownloadsHeld(""))
        await wait_until(pilot, lambda: app.status_note == "", "room again")
        assert app.notices.showing(NoticeTopic.DISK) == ["There is room again: downloads go on."]
        assert not any("disk is full" in m for m in shown(app))
        send(app, ArchiveStatusChanged(False, "archive.org is unreachable"))
        await wait_until(pilot, lambda: app.sub_title == "offline", "offline")
        send(app, ArchiveStatusChanged(True))
        await wait_until(pilot, lambda: app.sub_title == "", "online")
        assert "archive.org is unreachable" not in shown(app)


async def test_at_80x24_notices_take_a_few_lines_at_most(settings: Settings) -> None:
    app = make_app(settings, restore_playback=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.clear_notifications()
        app.notices.say(OFFER, topic=NoticeTopic.CATALOG, title="Catalog", timeout=30)
        send(
            app,
            Notice(NoticeTopic.DATABASE, "the database is busy; waiting"),
            PlaybackFailed("no audio output could be opened", 0, stopped=True),
        )
        await wait_until(pilot, lambda: "no audio output could be opened" in shown(app), "it")
        await pilot.pause()
        assert len(shown(app)) == 2  # the oldest gave way
        assert OFFER not in shown(app)
        rack = app.screen.query_one(ToastRack)
        toasts = [w for w in rack.walk_children() if type(w).__name__ == "Toast"]
        assert len(toasts) == 2
        rows = {y for toast in toasts for y in range(toast.region.y, toast.region.bottom)}
        assert 0 < len(rows) <= 6, len(rows)
        assert all(toast.region.width >= 70 for toast in toasts)  # wide, so short
        bar = app.screen.query_one(NowPlayingBar).region
        assert all(y < bar.y for y in rows)  # the now-playing bar stays in sight


async def test_a_long_notice_alone_stays_short_at_80x24(settings: Settings) -> None:
    app = make_app(settings, restore_playback=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.clear_notifications()
        app.notices.say(OFFER, topic=NoticeTopic.CATALOG, title="Catalog", timeout=30)
        await pilot.pause()
        await pilot.pause()
        (toast,) = [w for w in app.screen.walk_children() if type(w).__name__ == "Toast"]
        assert toast.region.height <= 4
