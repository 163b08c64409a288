"""A fake archive.org HTTP server for tests and for trying liveset without internet."""

from tests.fake_archive.server import FakeArchive

__all__ = ["FakeArchive"]
