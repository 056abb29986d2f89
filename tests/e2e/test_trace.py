"""A failed attempt keeps its browser trace encrypted (it holds what was typed), and
`autobook trace export` opens it with the key; a successful one keeps none."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from autobook.cli import main
from autobook.runtime import Runtime
from autobook.sandbox.estelle.site import DEMO_USERS
from engine_support import (
    add_account,
    add_estelle_member,
    add_task,
    run_once,
    runtime_fixture,
    sandbox_fixture,
    sim_fixture,
    sim_now,
)

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

EMAIL, PASSWORD = DEMO_USERS[0]

box = sandbox_fixture("estelle")
club = sim_fixture("estelle", prepare=add_estelle_member)
rt = runtime_fixture(typing_ms=2)


def test_a_failure_keeps_an_encrypted_trace_the_key_opens(
    rt: Runtime, club: httpx.Client, tmp_path: Path
) -> None:
    club.put("/_sandbox/faults", json={"site_changed": True}).raise_for_status()
    account = add_account(rt, "estelle", EMAIL, PASSWORD)
    day = sim_now(str(club.base_url)).date() + timedelta(days=3)
    task = add_task(rt, site="estelle", venue="padel-courts", activity="padel-60min",
                    target_date=day, times=["19:00"], account_ids=[account],
                    payment_method="credit")  # fmt: skip
    assert run_once(rt, task).outcome == "site_changed"

    (kept,) = rt.settings.diagnostics_dir.glob("*-trace.zip.enc")
    raw = kept.read_bytes()
    assert PASSWORD.encode() not in raw and not zipfile.is_zipfile(io.BytesIO(raw))

    s = rt.settings
    env = {"DATABASE_URL": s.database_url, "AUTOBOOK_DATA_DIR": str(s.data_dir),
           "ENCRYPTION_KEY": s.encryption_key}  # fmt: skip
    listed = CliRunner().invoke(main, ["trace", "list"], env=env)
    name = kept.name.removesuffix("-trace.zip.enc")
    assert listed.exit_code == 0 and name in listed.output
    out = tmp_path / "trace.zip"
    exported = CliRunner().invoke(main, ["trace", "export", name, str(out)], env=env)
    assert exported.exit_code == 0, exported.output
    assert zipfile.is_zipfile(out) and PASSWORD not in exported.output
    bad = CliRunner().invoke(main, ["trace", "export", "../x", str(out)], env=env)
    assert bad.exit_code != 0 and "no trace" in bad.output
