"""Reading the Better API's answers: only what the notes document is required; basket lines and
bookings are read flat, one object down, or from an ISO instant, and "live" fails safe."""

from __future__ import annotations

from datetime import date, time

import pytest

from autobook.sites.base import SiteChanged
from autobook.sites.better import models


def cart(*items: object) -> dict[str, object]:
    return {"data": {"total": 1640, "items": list(items)}}


def test_a_bare_line_needs_only_its_id() -> None:
    [line] = models.cart(cart({"id": 5}), step="hold").lines
    assert (line.id, line.slot_ids, line.day, line.start, line.court) == (
        5,
        frozenset(),
        None,
        None,
        None,
    )


def test_a_nested_line_is_read_one_object_down() -> None:
    nested = {"id": "7", "cartable_id": 70202, "cartable_resource": {
        "date": "2027-01-14", "starts_at": {"format_24_hour": "20:00"},
        "location": {"name": "Court 2"}}}  # fmt: skip
    [line] = models.cart(cart(nested), step="hold").lines
    assert line.id == 7 and line.slot_ids == {70202}
    assert (line.day, line.start, line.court) == (date(2027, 1, 14), time(20), "Court 2")


def test_an_iso_start_is_read_on_london_time() -> None:
    [line] = models.cart(cart({"id": 1, "starts_at": "2027-07-14T19:00:00+00:00"}), step="h").lines
    assert (line.day, line.start) == (date(2027, 7, 14), time(20))  # BST


def test_a_line_without_an_id_is_a_site_change() -> None:
    with pytest.raises(SiteChanged, match=r"items\.id"):
        models.cart(cart({"cartable_id": 3}), step="hold")


@pytest.mark.parametrize(
    ("status", "live"),
    [("BOOKED", True), ("active", True), (None, True), ("Confirmed", True),
     ("CANCELLED", False), ("cancelled_by_user", False), ("REFUNDED", False)],
)  # fmt: skip
def test_only_cancelled_or_refunded_bookings_are_not_live(status: str | None, live: bool) -> None:
    when = {"date": "2027-01-14", "starts_at": {"format_24_hour": "20:00"}}
    item = {"id": 9, "status": status, "booking": when}
    assert models.booking(item, step="check existing").live is live


def test_a_booking_whose_date_cannot_be_read_stops_the_attempt() -> None:
    with pytest.raises(SiteChanged, match="cannot be read"):
        models.booking({"id": 9, "status": "active"}, step="check existing")


@pytest.mark.parametrize(
    ("user", "member"),
    [({"membership_user": {"id": 77}}, 77), ({"membership_user": None}, None), ({}, None),
     ({"membership_user": {"id": "12"}}, 12)],
)  # fmt: skip
def test_the_membership_id_may_be_null_or_absent(
    user: dict[str, object], member: int | None
) -> None:
    assert models.membership_id(user) == member
