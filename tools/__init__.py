"""Operational tools for a deployed environment (run from the repository root as `python -m
tools.<name>`; `make seed`, `make run-day` and `make demo` do): seed demo data, start a day's run,
show a user's inbox. `tools.dn_env` is the access layer they share with the deployment tests."""
