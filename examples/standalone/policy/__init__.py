"""This team's own `policy` package."""
