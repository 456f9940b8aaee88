"""Tests of the local environment scripts (scripts/local) as a user runs them."""
