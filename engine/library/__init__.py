"""The music on disk: its files in the database, the scanner that reads them, their tags."""
