"""The investigators' browser workbench (to come; it will call analytics, never Cypher)."""
