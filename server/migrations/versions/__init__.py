"""The sync server's schema revisions, oldest first; released revisions are never edited."""
