"""Command groups of the lianjian CLI."""
