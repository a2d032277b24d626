"""User text: Markdown in, sanitised HTML out. Raw HTML from users is never trusted."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

# CommonMark with raw HTML switched off; strikethrough and tables for teaching notes.
_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(
    ["strikethrough", "table"]
)

_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}


# ASCII characters that Markdown or HTML give a meaning to anywhere in a line.
_MARKUP_CHARACTERS = re.compile(r"[\\`*_\[\]<>&~|]")


def plain_paragraph(body: str) -> str | None:
    """The HTML of a body that is one line of words and ordinary punctuation (most chat
    messages), which Markdown renders as a paragraph of the text unchanged; None for any other
    body. Markdown and the sanitiser took a tenth of a post's CPU for such text (bench S3)."""
    first = body[:1]
    if (
        not (first.isalpha() or first > "\x7f")  # a digit, #, - or + could open a block
        or body[-1] == " "
        or not body.isprintable()  # line breaks, tabs, controls and non-ASCII spaces
        or _MARKUP_CHARACTERS.search(body)
    ):
        return None
    return f"<p>{body}</p>"


def render_markdown(body: str) -> str:
    """Render a message body to HTML that is safe to insert into a page."""
    plain = plain_paragraph(body)
    return plain if plain is not None else through_markdown(body)


def through_markdown(body: str) -> str:
    """``render_markdown`` without the shortcut for plain text."""
    return nh3.clean(
        _markdown.render(body),
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow ugc",
    ).strip()
