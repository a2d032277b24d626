"""Which time zones a community's members live in, for the scheduling helper: the countries of
their profiles (and the community's own), each with its zones. Erasmus+ programme and partner
countries around Europe; a country with several zones lists them all (Portugal's Azores,
Spain's Canaries)."""

from __future__ import annotations

COUNTRY_ZONES: dict[str, tuple[str, ...]] = {
    "AL": ("Europe/Tirane",),
    "AT": ("Europe/Vienna",),
    "BA": ("Europe/Sarajevo",),
    "BE": ("Europe/Brussels",),
    "BG": ("Europe/Sofia",),
    "CH": ("Europe/Zurich",),
    "CY": ("Asia/Nicosia",),
    "CZ": ("Europe/Prague",),
    "DE": ("Europe/Berlin",),
    "DK": ("Europe/Copenhagen",),
    "EE": ("Europe/Tallinn",),
    "ES": ("Europe/Madrid", "Atlantic/Canary"),
    "FI": ("Europe/Helsinki",),
    "FR": ("Europe/Paris",),
    "GB": ("Europe/London",),
    "GE": ("Asia/Tbilisi",),
    "GR": ("Europe/Athens",),
    "HR": ("Europe/Zagreb",),
    "HU": ("Europe/Budapest",),
    "IE": ("Europe/Dublin",),
    "IS": ("Atlantic/Reykjavik",),
    "IT": ("Europe/Rome",),
    "LI": ("Europe/Vaduz",),
    "LT": ("Europe/Vilnius",),
    "LU": ("Europe/Luxembourg",),
    "LV": ("Europe/Riga",),
    "MD": ("Europe/Chisinau",),
    "ME": ("Europe/Podgorica",),
    "MK": ("Europe/Skopje",),
    "MT": ("Europe/Malta",),
    "NL": ("Europe/Amsterdam",),
    "NO": ("Europe/Oslo",),
    "PL": ("Europe/Warsaw",),
    "PT": ("Europe/Lisbon", "Atlantic/Azores"),
    "RO": ("Europe/Bucharest",),
    "RS": ("Europe/Belgrade",),
    "SE": ("Europe/Stockholm",),
    "SI": ("Europe/Ljubljana",),
    "SK": ("Europe/Bratislava",),
    "TR": ("Europe/Istanbul",),
    "UA": ("Europe/Kyiv",),
    "XK": ("Europe/Belgrade",),
}

# "School hours" in the helper: a weekday between these local hours.
SCHOOL_DAY = (8, 17)


def zones_of(country: str) -> tuple[str, ...]:
    return COUNTRY_ZONES.get(country.upper(), ())
