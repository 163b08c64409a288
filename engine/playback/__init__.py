"""Playback through libmpv. ``backend`` is the only module that imports ``mpv``."""
