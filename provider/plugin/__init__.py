"""The provider plugin front end: the `modelarts` Pulumi package, for every Pulumi language.

A second front end beside the dynamic resource (`provider.notebook`), serving
the resource type `modelarts:index:Notebook` over the engine's provider
protocol (`pulumi.provider.experimental`). It translates names and values
between Pulumi's camelCase properties and the core's snake_case dicts and
hands every call to the core's `NotebookService`, which decides everything.

Nothing is imported here: `python -m modelarts_notebooks.plugin` starts fast
and loads the core when the first call needs it.
"""
