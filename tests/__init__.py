"""The project's Python tests (run from the repository root, e.g. `python -m unittest tests.e2e.test_deployment`)."""
