"""Seed 003: the owner's public appointment page — availability rules and free slots, the
30-second reservations, guest booking and self-service, the mail outbox and calendars."""
