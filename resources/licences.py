"""Licences teachers can put on materials (SPDX ids), and what they allow for adaptations."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Licence:
    spdx: str
    name: str
    url: str
    adaptable: bool  # ND and "all rights reserved" forbid derivatives
    share_alike: bool  # adaptations must keep the same licence
    non_commercial: bool  # adaptations must stay non-commercial
    attribution: bool

    @property
    def is_open(self) -> bool:
        """An open licence in the sense of UNESCO's OER Recommendation (2019): anyone may
        access, reuse, adapt and redistribute. Creative Commons licences that allow
        adaptations and CC0 are; NoDerivatives and "all rights reserved" are not. Only
        such materials are ever shown in public toolkits."""
        return bool(self.url) and self.adaptable


LICENCES: dict[str, Licence] = {
    licence.spdx: licence
    for licence in [
        Licence("CC-BY-4.0", "Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/", True, False, False, True),
        Licence("CC-BY-SA-4.0", "Creative Commons Attribution-ShareAlike 4.0", "https://creativecommons.org/licenses/by-sa/4.0/", True, True, False, True),
        Licence("CC-BY-NC-4.0", "Creative Commons Attribution-NonCommercial 4.0", "https://creativecommons.org/licenses/by-nc/4.0/", True, False, True, True),
        Licence("CC-BY-NC-SA-4.0", "Creative Commons Attribution-NonCommercial-ShareAlike 4.0", "https://creativecommons.org/licenses/by-nc-sa/4.0/", True, True, True, True),
        Licence("CC-BY-ND-4.0", "Creative Commons Attribution-NoDerivatives 4.0", "https://creativecommons.org/licenses/by-nd/4.0/", False, False, False, True),
        Licence("CC-BY-NC-ND-4.0", "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0", "https://creativecommons.org/licenses/by-nc-nd/4.0/", False, False, True, True),
        Licence("CC0-1.0", "Creative Commons Zero 1.0 (public domain)", "https://creativecommons.org/publicdomain/zero/1.0/", True, False, False, False),
        Licence("LicenseRef-All-Rights-Reserved", "All rights reserved", "", False, False, False, True),
    ]
}  # fmt: skip

CHOICES = [(spdx, licence.name) for spdx, licence in LICENCES.items()]
OPEN_LICENCES = frozenset(spdx for spdx, licence in LICENCES.items() if licence.is_open)


def adaptation_licence_problem(source: str, adaptation: str) -> str | None:
    """Why ``adaptation`` may not be the licence of an adaptation of a ``source``-licensed
    material, or ``None`` when it may."""
    original = LICENCES[source]
    if not original.adaptable:
        return f"{original.name} does not allow adaptations."
    if original.share_alike and adaptation != source:
        return f"{original.name} is share-alike: the adaptation must keep {source}."
    if original.non_commercial and not LICENCES[adaptation].non_commercial:
        return f"{original.name} is non-commercial: the adaptation must stay non-commercial."
    return None


def attribution(title: str, author: str, spdx: str) -> str:
    """The credit line shown with a material."""
    licence = LICENCES[spdx]
    if spdx == "CC0-1.0":
        return f"“{title}” by {author}, dedicated to the public domain (CC0 1.0)."
    if not licence.url:
        return f"“{title}” © {author}. All rights reserved."
    return f"“{title}” by {author}, licensed under {licence.name} ({licence.url})."
