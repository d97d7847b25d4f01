"""The domain services: plain Python over a SQLAlchemy session; no HTTP here."""
