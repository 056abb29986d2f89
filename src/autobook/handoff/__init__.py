"""Seed 004: booking sessions that automate a clinic's steps up to payment, hand the payment
page to a person, watch it for the outcome and call the caller back."""
