"""Simulator of Better (GLL) leisure-centre bookings: the JSON API, the booking web site and the
card-payment iframe origin, sharing one in-memory state."""
