"""Tests of the dependency step (scripts/deps.sh and the builds it drives)."""
