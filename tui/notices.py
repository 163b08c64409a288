"""The notice board: everything the app tells the user in a toast goes through it, one toast a
topic, a superseded one gone at once, and never more than a few at a time."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual.notifications import Notification

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel

    from engine import NoticeTopic

MOST = 2
"""Toasts shown at once: at 80x24 two short ones take six lines at the bottom right."""
DEFAULT_TIMEOUT = 5.0
AGAIN_AFTER = 30.0
"""Seconds before the same words on the same topic are shown again (requests failing the same
way one after another are one matter)."""


class NoticeBoard:
    """The toasts on screen, by topic. ``say`` with a topic replaces what that topic said
    before; ``withdraw`` takes it down when the matter is over; an untopical notice (a screen
    saying what it did) just waits its turn. The oldest gives way when too many are up."""

    def __init__(self, app: App[Any]) -> None:
        self._app = app
        self._shown: list[tuple[NoticeTopic | None, Notification]] = []
        self._said: dict[tuple[NoticeTopic, str], float] = {}

    def say(
        self,
        text: str,
        *,
        topic: NoticeTopic | None = None,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        if topic is not None:
            self.withdraw(topic)
            self._said[(topic, text)] = time.monotonic()
        self._forget_expired()
        while len(self._shown) >= MOST:
            self._take_down(self._shown[0][1])
        notification = Notification(
            text, title, severity, DEFAULT_TIMEOUT if timeout is None else timeout, markup=markup
        )
        self._shown.append((topic, notification))
        # Added at once, not through a message: a withdrawal right after must find it.
        self._app._notifications.add(notification)
        self._app._refresh_notifications()

    def say_once(self, text: str, *, topic: NoticeTopic, **options: Any) -> None:
        """``say``, unless the topic said these same words a moment ago."""
        if time.monotonic() - self._said.get((topic, text), -AGAIN_AFTER) >= AGAIN_AFTER:
            self.say(text, topic=topic, **options)

    def withdraw(self, topic: NoticeTopic) -> None:
        """Take down what ``topic`` said, if it is still up."""
        for shown_topic, notification in list(self._shown):
            if shown_topic == topic:
                self._take_down(notification)

    def showing(self, topic: NoticeTopic | None = None) -> list[str]:
        """The words up now (of ``topic`` only, when given), oldest first."""
        self._forget_expired()
        return [n.message for t, n in self._shown if topic is None or t == topic]

    def _take_down(self, notification: Notification) -> None:
        self._shown = [(t, n) for t, n in self._shown if n is not notification]
        self._app._unnotify(notification)

    def _forget_expired(self) -> None:
        live = self._app._notifications  # a toast dismissed by a click is gone from it too
        self._shown = [(t, n) for t, n in self._shown if not n.has_expired and n in live]
