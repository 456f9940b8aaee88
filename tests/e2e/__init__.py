"""Deployment tests against any environment's stack outputs; they use tools.dn_env."""
