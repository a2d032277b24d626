"""Every catalogue complete and safe: each msgid translated in each of Kring's languages, no
unchecked (fuzzy) guess, the placeholders of the English kept, plural forms as the language
has them. `make messages` refreshes the catalogues from the code."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.LOCALE_PATHS[0])
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfi]|%[sdfi]|\{(\w*)\}")
NPLURALS = re.compile(r"nplurals\s*=\s*(\d+)")


def placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text.replace("%%", "")))


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def problems(po: polib.POFile) -> list[str]:
    nplurals = int(NPLURALS.search(po.metadata.get("Plural-Forms", "")).group(1))
    found = []
    for entry in po:
        if entry.obsolete:
            continue
        where = f"{entry.msgid[:60]!r}"
        if entry.fuzzy:
            found.append(f"{where}: marked fuzzy (unchecked)")
        if entry.msgid_plural:
            forms = [entry.msgstr_plural.get(i, "") for i in range(nplurals)]
            if len(entry.msgstr_plural) != nplurals or not all(forms):
                found.append(f"{where}: needs {nplurals} plural forms")
                continue
            wanted = set(placeholders(entry.msgid_plural))
            used = [set(placeholders(form)) for form in forms]
            # A form for exactly one may say "one" instead of the number; nothing else may go.
            if any(not form <= wanted for form in used) or set().union(*used) != wanted:
                found.append(f"{where}: placeholders differ from {sorted(wanted)}")
        elif not entry.msgstr:
            found.append(f"{where}: not translated")
        elif placeholders(entry.msgstr) != placeholders(entry.msgid):
            found.append(f"{where}: placeholders {placeholders(entry.msgstr)}")
    return found


def test_kring_speaks_eight_languages():
    assert sorted(code for code, _ in settings.LANGUAGES) == sorted(
        ["en", "nl", "fr", "de", "sv", "pl", "fi", "et"]
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_with_its_placeholders(language):
    po = catalogue(language)
    assert po.metadata.get("Language") == language
    assert len(po) > 500, "the catalogue looks empty: run `make messages`"
    found = problems(po)
    assert not found, f"{language}: {len(found)} problems\n" + "\n".join(found[:40])


def test_the_check_catches_what_it_is_for(tmp_path):
    sample = tmp_path / "django.po"
    sample.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        'msgid "Rooms"\nmsgstr ""\n\n'
        'msgid "Hello %(name)s"\nmsgstr "Hei %(nimi)s"\n\n'
        'msgid "one room"\nmsgid_plural "%(n)d rooms"\nmsgstr[0] "yksi huone"\nmsgstr[1] ""\n\n'
        '#, fuzzy\nmsgid "Close"\nmsgstr "Sulje"\n\n'
        'msgid "%(n)d new"\nmsgstr "%(n)d uutta"\n'
    )
    assert [line.split(": ")[1] for line in problems(polib.pofile(str(sample)))] == [
        "not translated",
        "placeholders ['%(nimi)s']",
        "needs 2 plural forms",
        "marked fuzzy (unchecked)",
    ]


@pytest.mark.parametrize(
    ("language", "key", "sentence"),
    [
        ("en", "calendar_scheduled", "{name} scheduled {meeting} ({time})"),
        ("de", "calendar_scheduled", "{name} hat {meeting} geplant ({time})"),
        ("nl", "resource_withdrawn", "{name} trok {material} in"),
        ("et", "resource_version", "{name} avaldas materjalist {material} versiooni {version}"),
        ("pl", "typingMany", "{names} piszą…"),
    ],
)
def test_the_room_scripts_sentences_are_whole_so_each_language_orders_its_words(
    language, key, sentence
):
    """The room page's script fills names, links and times into whole translated sentences;
    gluing "name" + "scheduled" + link read as "Marieke geplant ..." in Dutch and German."""
    from django.utils import translation

    from community.views import room_strings

    with translation.override(language):
        assert room_strings()[key] == sentence
