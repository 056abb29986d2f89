"""Simulator of Estelle Manor's members' site: login, click-through booking of padel courts."""
