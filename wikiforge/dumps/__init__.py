"""Readers of Wikimedia dumps: XML page dumps, SQL table dumps and their compressions."""
