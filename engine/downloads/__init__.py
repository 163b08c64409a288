"""Background downloads: the persistent queue, paths and landing files in the library."""
