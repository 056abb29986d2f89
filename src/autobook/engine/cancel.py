"""Cancelling a booking on the site itself, not only in autobook's records: one login with the
booking's account and the adapter's `cancel`. Sites whose adapter cannot cancel say so."""

from __future__ import annotations

from dataclasses import dataclass

from autobook.db.models import Booking, SiteAccount
from autobook.db.session import transaction
from autobook.engine import records
from autobook.engine.browsers import BrowserPool
from autobook.runtime import Runtime
from autobook.sites.base import AdapterContext, SiteError
from autobook.sites.registry import adapter_class

LOCAL_ONLY = "cancelled in autobook only, as asked: cancel it on the site as well"


@dataclass(frozen=True)
class SiteCancel:
    supported: bool  # the site's adapter can cancel at all
    done: bool  # the site cancelled it
    note: str


async def cancel_on_site(runtime: Runtime, booking_id: int, *, pool: BrowserPool) -> SiteCancel:
    """Tell the site to cancel the booking; never raises for what the site answers."""
    with transaction(runtime.sessions) as session:
        booking = session.get(Booking, booking_id)
        if booking is None:
            return SiteCancel(False, False, f"no booking {booking_id}")
        cls = adapter_class(booking.site)
        if not cls.can_cancel:
            return SiteCancel(False, False, f"{cls.info.title} bookings cannot be cancelled from "
                              "autobook: cancel it on the site as well")  # fmt: skip
        account = session.get(SiteAccount, booking.account_id) if booking.account_id else None
        if account is None or not booking.reference:
            return SiteCancel(False, False, "autobook has no account or site reference for this "
                              "booking: cancel it on the site as well")  # fmt: skip
        creds, reference = records.credentials_of(runtime, account), booking.reference
        starts_at = booking.starts_at  # zone-aware: the column type sees to it
        saved = (
            runtime.vault.decrypt(account.session_state_enc) if account.session_state_enc else None
        )
    browser = pool.account(f"{booking.site}:{account.id}")
    urls = runtime.settings.site_urls()
    adapter = cls(AdapterContext(urls, browser, runtime.settings.human_typing_ms), creds)
    try:
        await adapter.login(saved)
        await adapter.cancel(reference, starts_at)
    except SiteError as exc:
        return SiteCancel(
            True, False, f"the site did not cancel booking {reference}: {exc.message}"
        )
    finally:
        await adapter.close()
    return SiteCancel(True, True, f"cancelled on {cls.info.title} (booking {reference})")
