"""Models of steering."""
