"""Getting data in: readers, validation, importers and the loader (imports only graph)."""
