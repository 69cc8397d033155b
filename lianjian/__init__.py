"""lianjian package."""
