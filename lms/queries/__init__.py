"""The read side: reports, transcripts, exports and audit queries.

Nothing here changes the database: no ``add``, no ``commit``. Web rooms and the CLI call
these to show or export what the services wrote.
"""
