"""Click commands of the ``hubplan`` CLI, one module per command group."""
