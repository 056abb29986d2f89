"""`autobook demo` seeding: every simulator's demo member becomes an account, one task per goal,
a working admin login, and running it twice duplicates nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from autobook.cli.demo_data import DEMO_TASKS, demo_accounts, demo_users, seed_demo
from autobook.db.auth import authenticate
from autobook.db.models import SiteAccount, Task, TaskAccount
from autobook.db.session import transaction
from autobook.domain.sites import Site
from autobook.runtime import Runtime


def _count(rt: Runtime, model: type) -> int:
    with transaction(rt.sessions) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_demo_seed_is_complete_and_idempotent(runtime: Runtime) -> None:
    members = len(demo_accounts())  # the simulators' members and the clinic's patient
    first = seed_demo(runtime, today=date(2026, 11, 21))
    assert first.accounts == members > 0
    assert first.tasks == len(DEMO_TASKS)
    second = seed_demo(runtime, today=date(2026, 11, 21))
    assert second.tasks == 0
    assert _count(runtime, SiteAccount) == members
    assert _count(runtime, Task) == len(DEMO_TASKS)
    with transaction(runtime.sessions) as s:
        assert authenticate(s, username=second.username, password=second.password)
        assert not authenticate(s, username=first.username, password=first.password)
        linked = s.scalar(select(func.count()).select_from(TaskAccount))
        dates = set(s.scalars(select(Task.target_date)))
    assert linked == sum(1 for t in DEMO_TASKS if t.login)
    assert date(2026, 11, 22) in dates and date(2026, 12, 5) in dates


def test_every_demo_task_has_an_account_and_the_patient_a_phone(runtime: Runtime) -> None:
    seed_demo(runtime)
    with transaction(runtime.sessions) as s:
        phones = [(t.site, [a.phone for a in t.accounts]) for t in s.scalars(select(Task))]
    assert {site for site, _ in phones} == {site.value for site in Site}
    assert all(accounts for _, accounts in phones)  # the clinic's task too, since the phone
    assert [p for site, p in phones if site == "clinic"] == [["+44 7700 900123"]]


def test_demo_accounts_keep_passwords_encrypted(runtime: Runtime) -> None:
    seed_demo(runtime)
    with transaction(runtime.sessions) as s:
        stored = {(a.site, a.login): a.password_enc for a in s.scalars(select(SiteAccount))}
    for site in Site:
        for login, password in demo_users(site.value):
            ciphertext = stored[(site.value, login)]
            assert password not in ciphertext
            assert runtime.vault.decrypt(ciphertext) == password
