"""archive.org: the HTTP client, the parsing layer and concerts built from items."""
