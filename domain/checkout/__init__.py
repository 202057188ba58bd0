"""The checkout lifecycle: reserve, commit, release, return — over the counter store and the order book
ports, never overspending a limit and never counting twice."""
