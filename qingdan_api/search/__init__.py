"""Full-text search: the SearchBackend protocol, its backends and the indexer."""
