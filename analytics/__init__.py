"""Detection rules, scans and alerts, and the analyses run on bounded subgraphs."""
