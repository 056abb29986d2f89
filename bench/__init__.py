"""Benchmarks: scripts that print figures and assert nothing (see bench/README.md)."""
