"""What `autobook demo` puts in the database: an admin login, the simulators' demo members as
site accounts, and one task per site aimed at slots the simulators' demo seed offers.

Seeding is idempotent: running the demo again reuses what is there and resets the admin password.
"""

from __future__ import annotations

import importlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from autobook.db.accounts import create_account
from autobook.db.auth import set_admin_password
from autobook.db.models import SiteAccount, Task, TaskAccount
from autobook.db.session import transaction
from autobook.domain.accounts import AccountCreate
from autobook.domain.sites import Site
from autobook.domain.tasks import PaymentMethod, Strategy
from autobook.runtime import Runtime
from autobook.sandbox.runner import SIM_CLASSES, Sandbox

DEMO_ADMIN = "demo"
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class DemoTask:
    site: Site
    venue: str
    activity: str
    days_ahead: int
    times: tuple[str, ...]
    payment: PaymentMethod
    strategy: Strategy
    login: str | None  # which demo member (or clinic patient) books it; None: no account
    sub_location: str | None
    open_days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)  # weekdays (Mon=0) the slot exists

    def target_date(self, today: date) -> date:
        """`days_ahead` from `today`, moved on to the next day the site has the slot."""
        day = today + timedelta(days=self.days_ahead)
        while day.weekday() not in self.open_days:
            day += timedelta(days=1)
        return day


# One goal per site, chosen from what each simulator's "demo" seed offers.
DEMO_TASKS = (
    DemoTask(Site.BETTER, "hendon-leisure-centre", "badminton-60min", 1, ("19:00", "20:00"),
             PaymentMethod.CREDIT, Strategy.WATCH, "credit@example.com", None),
    DemoTask(Site.BETTER, "barnet-copthall-leisure-centre", "badminton-40min", 7, ("18:00",),
             PaymentMethod.BENEFIT, Strategy.SNIPE, "member@example.com", None),
    DemoTask(Site.ESTELLE, "padel-courts", "padel-60min", 14, ("19:00", "20:00"),
             PaymentMethod.CREDIT, Strategy.SNIPE, "alex.member@example.com", None),
    DemoTask(Site.GYM, "X1", "gym-60min", 1, ("07:00", "08:00"),
             PaymentMethod.BENEFIT, Strategy.WATCH, "alex@example.com", "A"),
    DemoTask(Site.CLINIC, "lumen-skin-clinic", "hydrafacial", 3, ("14:30",),
             PaymentMethod.HANDOFF, Strategy.WATCH, "jane.patient@example.com", None,
             (0, 1, 2, 3, 4)),  # HydraFacial is given on weekdays (and Saturdays by Sam)
)  # fmt: skip


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    accounts: int
    tasks: int


def demo_users(site: str) -> list[tuple[str, str]]:
    """The members a simulator's demo seed creates (login, password)."""
    module = importlib.import_module(SIM_CLASSES[site].partition(":")[0])
    return list(getattr(module, "DEMO_USERS", []))


def demo_today() -> date:
    return datetime.now(LONDON).date()


def seed_demo(runtime: Runtime, *, today: date | None = None) -> DemoLogin:
    """Create (or refresh) the demo admin, accounts and tasks in one transaction."""
    today = today or demo_today()
    password = secrets.token_urlsafe(12)
    with transaction(runtime.sessions) as session:
        set_admin_password(session, username=DEMO_ADMIN, password=password)
        accounts = _seed_accounts(session, runtime)
        tasks = _seed_tasks(session, accounts, today)
    return DemoLogin(DEMO_ADMIN, password, len(accounts), tasks)


def free_demo_targets(box: Sandbox, today: date) -> None:
    """Give back whatever the simulators' lived-in days hold at the watch tasks' times, so that
    the demo books them at once, whatever the date (snipes wait for their release instead)."""
    for spec in DEMO_TASKS:
        if spec.strategy is Strategy.WATCH and spec.site.value in box.sites:
            site, day = box.sites[spec.site.value], spec.target_date(today)
            for hhmm in spec.times:
                site.free_at(day, time.fromisoformat(hhmm))


def demo_accounts() -> list[AccountCreate]:
    """The simulators' demo members, and the clinic's demo patient."""
    members = [
        AccountCreate(site=site, display_name=login.split("@")[0], login=login,
                      password=SecretStr(password))
        for site in Site
        for login, password in demo_users(site.value)
    ]  # fmt: skip
    # The clinic books guests: its account is the patient, whose mobile number the widget asks
    # for. There is no login, so the password is never used: a random one will do.
    patient = AccountCreate(site=Site.CLINIC, display_name="Jane Patient",
                            login="jane.patient@example.com",
                            password=SecretStr(secrets.token_urlsafe(12)),
                            phone="+44 7700 900123")  # fmt: skip
    return [*members, patient]


def _seed_accounts(session: Session, runtime: Runtime) -> dict[tuple[str, str], int]:
    ids: dict[tuple[str, str], int] = {}
    for data in demo_accounts():
        site, login = data.site.value, data.login
        existing = session.scalar(
            select(SiteAccount.id).where(SiteAccount.site == site, SiteAccount.login == login)
        )
        if existing is None:
            existing = create_account(session, data=data, vault=runtime.vault).id
        ids[(site, login)] = existing
    return ids


def _seed_tasks(session: Session, accounts: dict[tuple[str, str], int], today: date) -> int:
    if session.scalar(select(Task.id).limit(1)) is not None:
        return 0  # the demo already has tasks: leave the user's state alone
    for spec in DEMO_TASKS:
        task = Task(
            site=spec.site.value,
            venue=spec.venue,
            sub_location=spec.sub_location,
            activity=spec.activity,
            target_date=spec.target_date(today),
            time_preferences=list(spec.times),
            payment_method=spec.payment.value,
            strategy=spec.strategy.value,
            dry_run=spec.payment is PaymentMethod.NONE,
        )
        session.add(task)
        session.flush()
        if spec.login is not None:
            session.add(TaskAccount(task_id=task.id, account_id=accounts[(spec.site, spec.login)]))
    return len(DEMO_TASKS)
