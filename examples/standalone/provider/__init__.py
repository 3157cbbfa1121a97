"""This team's own `provider` package (unrelated to ModelArts): the product never shadows it."""

OWNER = "data-science"
