"""The todo backend: a small, well-behaved FastAPI service that the labrun scenarios measure."""
