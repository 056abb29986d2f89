"""Adapter of the members-only gym of seed 002 (locations Fitness, X1, X3)."""
