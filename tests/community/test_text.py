import pytest

from community.text import render_markdown


@pytest.mark.parametrize(
    ("body", "html"),
    [
        ("*hi*", "<p><em>hi</em></p>"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
        (
            "[site](https://example.org)",
            '<p><a href="https://example.org" rel="noopener noreferrer nofollow ugc">site</a></p>',
        ),
        ("~~old~~", "<p><s>old</s></p>"),
    ],
)
def test_markdown_is_rendered_and_sanitised(body, html):
    assert render_markdown(body) == html


_EVERYDAY = [
    "Hoi allemaal, wie heeft er materiaal over breuken voor groep 6?",
    "Zażółć gęślą jaźń! Czy ktoś ma scenariusz lekcji (klasa 4)?",
    "Hyvää huomenta: kiitos eilisestä, se oli 100 % hyödyllinen.",
    "Tere! Kas keegi kasutab Bee-Boti 1. klassis?",
    'Merci pour le "kit" de démarrage; je l\'essaie lundi.',
    "Tack! 😀👍 Vi ses på mötet 14:30 #matte",
    "Élèves de 10-12 ans / leerlingen van 10 tot 12 jaar = groep 7+8 @Daan",
]


@pytest.mark.parametrize("body", _EVERYDAY)
def test_everyday_messages_skip_markdown_with_the_same_html(body):
    from community.text import plain_paragraph, through_markdown

    assert plain_paragraph(body) is not None  # the shortcut is taken...
    assert render_markdown(body) == through_markdown(body)  # ...and changes nothing


def test_the_plain_text_shortcut_never_differs_from_markdown():
    """Random bodies over every printable ASCII character, letters of the users' languages,
    digits, spaces of several kinds, line breaks, emoji and joiners: wherever the shortcut is
    taken its HTML is what Markdown and the sanitiser make."""
    import random
    import string

    from community.text import plain_paragraph, through_markdown

    alphabet = (
        string.printable
        + "äöüßåøæéèêçñłśźżąęóćńõšžÄÖÜÅÉŁŚŻ"
        + "\u00a0\u2003\u3000\u200b\u200d\u2028\ufeff\u00ad"
        + "😀👍🇪🇺\ufe0f"
    )
    words = ["ja", "nee", "1.", "2)", "-", "+", "#", "=", "  ", "http://x.eu", "a@b.eu", "--"]
    rng = random.Random(20261203)
    taken = 0
    for _ in range(20_000):
        pieces = [
            rng.choice(words) if rng.random() < 0.2 else rng.choice(alphabet)
            for _ in range(rng.randint(1, 12))
        ]
        body = "".join(pieces).strip()  # as clean_body leaves it
        if not body:
            continue
        plain = plain_paragraph(body)
        if plain is not None:
            taken += 1
            assert plain == through_markdown(body), body
    assert taken > 2_000  # the comparison was made often enough to mean something
