"""What liveset keeps: the database (SQLite or PostgreSQL), its schema and migrations, and
the queries over it (catalog, favourites, the response cache)."""
