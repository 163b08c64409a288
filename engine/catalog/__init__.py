"""The local catalog of the Live Music Archive: every recording's index entry, synced from the
archive's scrape endpoint (``sync``) and asked instead of the archive once a full pass has
finished (``store``), so browsing and search need no request and work offline."""
