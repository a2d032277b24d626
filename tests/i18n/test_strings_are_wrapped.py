"""No user-facing text escapes translation: a scanner over Kring's Python and templates.

Python: the detail of every raised domain error and every ``messages.*`` text must be a
gettext call, not a literal. Templates: text between tags and the attributes people read
(``alt``, ``title``, ``placeholder``, ``aria-label``...) must come from ``{% translate %}``,
``{% blocktranslate %}`` or a variable. Kept simple on purpose: it finds the common slip (a
string typed straight into a raise or a page), not every conceivable one.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parents[2]
APPS = [path.parent for path in ROOT.glob("*/apps.py") if not path.parent.name.startswith(".")] + [
    ROOT / "core",
    ROOT / "config",
]
ERRORS = {"KringError", "Invalid", "Forbidden", "NotFound", "Conflict", "Gone", "TooLarge",
          "RateLimited", "FrameError"}  # fmt: skip
MESSAGE_LEVELS = {"error", "success", "info", "warning", "debug"}
# Words that are the same in every language Kring speaks.
UNTRANSLATED_OK = {"Kring", "OK", "CSV", "iCal", "ICS", "PDF", "API", "OpenAPI", "xAPI", "URL",
                   "GitHub", "RSS", "JSON", "SVG", "SELFIE", "MFA", "openapi", "json",
                   "NL", "nl"}  # fmt: skip
# The design system's page shows components with sample content, for developers.
NOT_SCANNED = {"design.html"}
READ_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label", "aria-description", "label")


def _python_files() -> list[Path]:
    files: set[Path] = set()
    for app in APPS:
        files.update(
            path
            for path in app.rglob("*.py")
            if "migrations" not in path.parts and "management" not in path.parts
        )
    return sorted(files)


def _is_text(node: ast.AST | None) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str) and _has_words(node.value)
    )


def _has_words(text: str) -> bool:
    words = re.findall(r"[^\W\d_][\w'\u2019-]*[^\W\d_]", text)
    return any(word not in UNTRANSLATED_OK for word in words)


def _call_name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def python_literals(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        text = None
        if name in ERRORS and node.args:
            text = node.args[0]
        elif (
            name in MESSAGE_LEVELS
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "messages"
            and len(node.args) >= 2
        ):
            text = node.args[1]
        if _is_text(text):
            found.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(text)[:70]}")
    return found


def _template_files() -> list[Path]:
    roots = [ROOT / "templates"] + [app / "templates" for app in APPS]
    return sorted(
        path
        for root in roots
        if root.exists()
        for path in root.rglob("*.html")
        if path.name not in NOT_SCANNED
    )


def _visible_text(html: str) -> tuple[str, list[str]]:
    """The text between tags and the values of attributes people read."""
    attributes = [
        value
        for name, value in re.findall(r'\s([\w-]+)="([^"]*)"', html)
        if name in READ_ATTRIBUTES
    ]
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", html)
    text = re.sub(r"&[#\w]+;", " ", text)
    return text, attributes


def template_literals(path: Path, root: Path = ROOT) -> list[str]:
    """The page as the browser gets it, with every translated or computed piece replaced by
    a mark: what is left with words in it was typed straight into the template."""
    skeleton: list[str] = []
    skipping: str | None = None  # the end tag of a block whose text is not ours to check
    for token in Lexer(path.read_text()).tokenize():
        if token.token_type == TokenType.BLOCK:
            tag = token.contents.split()[0]
            if skipping:
                skipping = None if tag == skipping else skipping
            elif tag in ("blocktranslate", "blocktrans", "comment", "verbatim"):
                skipping = "end" + tag
                skeleton.append("{t}")
            else:
                skeleton.append("{t}" if tag in ("translate", "trans") else " ")
        elif skipping is None:
            skeleton.append(token.contents if token.token_type == TokenType.TEXT else "{v}")
    text, attributes = _visible_text("".join(skeleton))
    return [
        f"{path.relative_to(root)}: {' '.join(piece.split())[:70]}"
        for piece in [*re.split(r"\{[tv]\}", text), *attributes]
        if _has_words(piece)
    ]


def test_every_raised_error_and_page_message_in_python_is_translatable():
    leftovers = [line for path in _python_files() for line in python_literals(path)]
    assert not leftovers, "wrap these in gettext:\n" + "\n".join(leftovers)


def test_every_text_in_templates_is_translatable():
    leftovers = [line for path in _template_files() for line in template_literals(path)]
    assert not leftovers, "wrap these in {% translate %}:\n" + "\n".join(leftovers)


def test_the_scanner_finds_what_it_is_for(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        "from django.utils.translation import gettext as _\n"
        "def f(x):\n"
        "    raise Invalid('Not wrapped.')\n"
        "def g(x):\n"
        "    raise Invalid(_('Wrapped.'))\n"
        "def h(request):\n"
        "    messages.error(request, f'No {x}.')\n"
    )
    found = python_literals(source, root=tmp_path)
    assert [line.split(":")[1] for line in found] == ["3", "7"]
    page = tmp_path / "page.html"
    page.write_text(
        "{% load i18n %}<h1>{% translate 'Rooms' %}</h1><p>Plain words</p>"
        '<img alt="A photo" src="x.png"><p>{{ name }} · 3</p>'
        "{% blocktranslate %}Fine {{ x }}{% endblocktranslate %}"
    )
    found = template_literals(page, root=tmp_path)
    assert [line.split(": ", 1)[1] for line in found] == ["Plain words", "A photo"]
    assert found[0].startswith("page.html")


# The names makemessages extracts (Django's xgettext keywords): a gettext imported under any
# other name wraps its text, but the text never reaches a catalogue.
EXTRACTED_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy",
                   "pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}  # fmt: skip


def test_gettext_is_imported_only_under_names_makemessages_extracts():
    renamed = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                renamed += [
                    f"{path.relative_to(ROOT)}:{node.lineno}: {alias.name} as {alias.asname}"
                    for alias in node.names
                    if "gettext" in alias.name
                    and (alias.asname or alias.name) not in EXTRACTED_NAMES
                ]
    assert not renamed, "makemessages would never see these texts:\n" + "\n".join(renamed)
