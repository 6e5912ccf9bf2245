"""The company's sync server (``dvw serve``): a FastAPI app over a SQLAlchemy Core store (PostgreSQL or SQLite)."""
