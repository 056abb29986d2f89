"""Estelle Manor padel courts: a browser adapter that books by clicking through its site."""
