"""Taking in real lists: reading cleanup forms and mapping real value shapes (no DB, no HTTP)."""
