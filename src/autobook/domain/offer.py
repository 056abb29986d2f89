"""Whether a task's choices are ones its site offers: venue, sub-location, activity, payment
method. Shared by every way a task is made (form, API, CSV, CLI), so a task that could never
run is refused when it is written, naming the field, not at its first attempt."""

from __future__ import annotations

from collections.abc import Sequence

from autobook.domain.booking import SiteInfo
from autobook.domain.tasks import PaymentMethod
from autobook.domain.taskspec import TaskCreate


def choice_errors(spec: TaskCreate, info: SiteInfo) -> list[tuple[str, str]]:
    """(field, why) for every choice the site does not offer; empty when all fit."""
    errors: list[tuple[str, str]] = []
    venues = {v.key: v for v in info.venues}
    if venues and spec.venue not in venues:
        known = ", ".join(venues)
        errors.append(("venue", f"not one of this site's venues: {known}"))
    elif spec.sub_location and spec.venue in venues:
        subs = venues[spec.venue].sub_locations
        if not subs or spec.sub_location not in subs:
            errors.append(("sub_location", f"not a part of {venues[spec.venue].name}"))
    keys = {a.key for a in info.activities}
    if keys and spec.activity and spec.activity not in keys:
        known = ", ".join(sorted(keys))
        errors.append(("activity", f"not one of this site's activities: {known}"))
    # Every site can do a dry run ("none"): it stops before paying.
    if spec.payment_method not in (*info.payment_methods, PaymentMethod.NONE):
        taken = ", ".join(m.value for m in info.payment_methods)
        errors.append(("payment_method", f"{info.title} takes {taken}"))
    return errors


def account_errors(account_ids: Sequence[object], info: SiteInfo) -> list[tuple[str, str]]:
    """Every site books in an account's name (a member's login, the clinic's patient): a task
    with none would only fail at its first attempt."""
    if account_ids:
        return []
    return [("account_ids", "choose at least one account to book with")]
