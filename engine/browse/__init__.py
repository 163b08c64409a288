"""Browsing the collection: artists, concerts and recordings, from the local catalog when it is
ready, else from the archive (and from the cache when the archive is down)."""
