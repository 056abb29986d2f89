"""Stable site keys. UI choices, API enums and CLI choices all come from this registry;
the adapters (sites/) and simulators (sandbox/) are keyed by the same names."""

from __future__ import annotations

from enum import StrEnum


class Site(StrEnum):
    BETTER = "better"
    ESTELLE = "estelle"
    GYM = "gym"
    CLINIC = "clinic"


SITE_NAMES: dict[Site, str] = {
    Site.BETTER: "Better (GLL leisure centres)",
    Site.ESTELLE: "Estelle Manor padel",
    Site.GYM: "Gym (Fitness, X1, X3)",
    Site.CLINIC: "Clinic (Moxie-style)",
}
