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
