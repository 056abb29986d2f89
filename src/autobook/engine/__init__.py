"""Booking engine: one attempt at a task, from login to confirmation, and the release-time snipe."""
