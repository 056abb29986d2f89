"""The clinic's listing needs no patient: the worker's shared reader (an adapter with empty
credentials, kept for the worker's life) reads the same times a patient's attempt reads."""

from __future__ import annotations

import asyncio
from datetime import time

import httpx
import pytest

from autobook.domain.booking import Credentials, Slot, Want
from autobook.sites.clinic.adapter import ClinicAdapter
from engine_support import clinic_thursday, drive_adapter, sandbox_fixture, sim_fixture

pytestmark = pytest.mark.e2e

PATIENT = Credentials("jane@example.com", "unused-pw", "Jane Doe", phone="07700 900123")
NOBODY = Credentials(login="", password="")

box = sandbox_fixture("clinic", "empty")
clinic = sim_fixture("clinic", seed="empty")


def test_the_shared_reader_sees_what_a_patient_sees(clinic: httpx.Client) -> None:
    assert ClinicAdapter.listing_is_public
    want = Want("lumen-skin-clinic", "botox", clinic_thursday(), (time(14, 30),),
                sub_location="Brandi")  # fmt: skip
    urls: dict[str, str | None] = {"clinic": str(clinic.base_url)}

    async def both(reader: ClinicAdapter) -> tuple[list[Slot], list[Slot]]:
        listed = await reader.listing(want)
        patient = await drive_patient(urls, want)
        return listed, patient

    listed, patient = drive_adapter(ClinicAdapter, NOBODY, urls, both)
    assert listed and {s.site_id for s in listed} == {s.site_id for s in patient}


async def drive_patient(urls: dict[str, str | None], want: Want) -> list[Slot]:
    return await asyncio.to_thread(
        drive_adapter, ClinicAdapter, PATIENT, urls, lambda a: a.availability(want), log_in=True
    )
