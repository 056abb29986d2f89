"""Seed 004's outcome detection as a pure rule: what a page after "Book Appointment" says."""

from __future__ import annotations

import pytest

from autobook.sites.outcome import Outcome, classify

PAID = "https://clinic.example/book/s/abc"


@pytest.mark.parametrize("path", ["/confirmation", "/success", "/thank-you", "/x/thank-you"])
def test_every_success_url_is_success(path: str) -> None:
    seen = classify(f"https://clinic.example{path}", "Thanks! Confirmation number: MX-7K2P9Q")
    assert seen.outcome is Outcome.SUCCESS
    assert seen.reference == "MX-7K2P9Q"


@pytest.mark.parametrize("text", ["Booking Confirmed", "Appointment Scheduled for Thursday"])
def test_success_texts_on_any_url(text: str) -> None:
    assert classify(f"{PAID}/step/5", text).outcome is Outcome.SUCCESS


def test_success_element_and_its_reference() -> None:
    seen = classify(PAID, "All done", success_element=True, reference=" AB-1234 ")
    assert (seen.outcome, seen.reference) == (Outcome.SUCCESS, "AB-1234")


def test_a_success_page_without_a_reference_is_still_success() -> None:
    seen = classify("https://clinic.example/thank-you", "You're all set")
    assert (seen.outcome, seen.reference) == (Outcome.SUCCESS, None)


def test_declined_with_the_sites_words() -> None:
    text = "Payment Failed Card Declined. Your card was declined. Try Again"
    seen = classify(f"{PAID}/step/5", text, failure_element=True)
    assert seen.outcome is Outcome.DECLINED
    assert "Payment Failed" in seen.reason


def test_expired_card() -> None:
    text = "Payment Failed Your card has expired. Please check the expiry date."
    assert classify(f"{PAID}/step/5", text).outcome is Outcome.EXPIRED


def test_a_time_lost_before_the_charge() -> None:
    text = "Time No Longer Available Sorry, this time slot is no longer available."
    seen = classify(f"{PAID}/step/5", text, failure_element=True)
    assert seen.outcome is Outcome.SLOT_UNAVAILABLE


def test_an_expired_session() -> None:
    text = "Session Expired This booking session has expired."
    assert classify(f"{PAID}/step/5", text).outcome is Outcome.SESSION_GONE


def test_failure_wins_over_a_success_word() -> None:
    """A failure page that also mentions confirmation is never read as paid."""
    text = "Payment Failed. Your booking is not confirmed. Booking Confirmed emails follow."
    assert classify(f"{PAID}/step/5", text).outcome is Outcome.DECLINED


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Something went wrong",
        "Split your treatment with Cherry payment plans",  # "payment" alone is no signal
        "Processing…",
    ],
)
def test_anything_else_is_unknown_never_declined(text: str) -> None:
    assert classify(f"{PAID}/step/5", text).outcome is Outcome.UNKNOWN


def test_a_failure_url() -> None:
    assert classify("https://clinic.example/failed", "Oops").outcome is Outcome.DECLINED


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("Your confirmation number is AB-12345.", "AB-12345"),
        ("Confirmation #: 884211", "884211"),
        ("Confirmation number: MX-ABCDEF", "MX-ABCDEF"),  # no digit, but a code
        ("Booking Confirmed. Confirmation number will follow by email.", None),
    ],
)
def test_the_reference_wherever_the_page_shows_it(text: str, reference: str | None) -> None:
    assert classify("https://clinic.example/success", text).reference == reference
