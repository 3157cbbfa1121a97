"""This team's own `emulator` package (say, of a database it also tests against)."""
