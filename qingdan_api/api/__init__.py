"""The HTTP layer: flask-smorest blueprints, schemas, errors and HTTP caching."""
