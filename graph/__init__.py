"""The graph: its model as data, settings, the local Neo4j, the connection, the schema."""
