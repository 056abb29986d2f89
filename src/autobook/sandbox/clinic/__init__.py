"""Simulator of a Moxie-style med-spa booking widget (seed 004): a 5-step flow whose step-5
payment page can be handed to a person through its URL."""
