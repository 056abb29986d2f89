"""Better (GLL) leisure centres: the JSON API for login, availability, cart, credit and benefit;
the booking web site in Chromium for card payments and dry runs (see docs: sites/better.md)."""
