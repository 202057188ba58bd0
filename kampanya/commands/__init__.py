"""The `kampanya` subcommands, one module per group; each module has `register(commands)`."""
