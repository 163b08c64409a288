"""liveset's terminal front end: the ``liveset`` command and the Textual app.

Imports only the ``engine`` package root.
"""
