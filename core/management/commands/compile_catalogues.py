"""Compile the translation catalogues (locale/*/LC_MESSAGES/*.po -> .mo) with polib, so a
fresh machine serves every language with nothing but pip (Django's compilemessages needs GNU
gettext's msgfmt). `make install` runs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


def compile_catalogues(*roots: Path) -> list[Path]:
    """Write a .mo next to every .po under ``roots``; returns the files written. Fuzzy
    entries are left out (as msgfmt does), so an unchecked guess never reaches a reader."""
    written = []
    for root in roots:
        for po_path in sorted(Path(root).glob("*/LC_MESSAGES/*.po")):
            catalogue = polib.pofile(str(po_path))
            for entry in catalogue.fuzzy_entries():
                catalogue.remove(entry)
            mo_path = po_path.with_suffix(".mo")
            catalogue.save_as_mofile(str(mo_path))
            written.append(mo_path)
    return written


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po into .mo files (pure Python)."

    def handle(self, *args: Any, **options: Any) -> None:
        written = compile_catalogues(*settings.LOCALE_PATHS)
        self.stdout.write(f"{len(written)} catalogues compiled")
