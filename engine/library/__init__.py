"""Storage: the schema, its migrations, the database and the repository."""
