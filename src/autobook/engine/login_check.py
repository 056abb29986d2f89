"""One real login with an account's credentials (CONVENTIONS §9): the settings page's "test
login" button, and a check before credentials are trusted for a booking.
"""

from __future__ import annotations

from dataclasses import dataclass

from autobook.db.models import SiteAccount
from autobook.db.session import transaction
from autobook.engine import records
from autobook.engine.browsers import BrowserPool
from autobook.runtime import Runtime
from autobook.sites.base import AdapterContext, SiteError
from autobook.sites.registry import adapter_class


@dataclass
class LoginCheck:
    ok: bool
    message: str


async def check_login(runtime: Runtime, account_id: int, *, pool: BrowserPool) -> LoginCheck:
    """Log in once with a fresh session; remember the session if the site accepted it."""
    with transaction(runtime.sessions) as session:
        account = session.get(SiteAccount, account_id)
        if account is None:
            return LoginCheck(False, f"no account {account_id}")
        site = account.site
        creds = records.credentials_of(runtime, account)
    cls = adapter_class(site)
    browser = pool.account(f"{site}:{account_id}")
    adapter = cls(AdapterContext(runtime.settings.site_urls(), browser,
                                 runtime.settings.human_typing_ms), creds)  # fmt: skip
    try:
        state = await adapter.login(None)
    except SiteError as exc:
        if exc.kind == "auth":
            records.mark_needs_login(runtime, account_id)
            return LoginCheck(False, f"the site refused the login: {exc.message}")
        return LoginCheck(False, f"could not check the login: {exc.message}")
    finally:
        await adapter.close()
    records.save_session_state(runtime, account_id, state)
    return LoginCheck(True, f"logged in to {cls.info.title}")
