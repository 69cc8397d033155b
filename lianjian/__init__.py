"""The ``lianjian`` command: the composition root wiring ingest, graph and analytics."""
