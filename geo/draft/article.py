"""Input: a report as plain text, Markdown or saved HTML, reduced to its article text and a draft source row."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from selectolax.lexbor import LexborHTMLParser

from geo.errors import UsageError

#: Elements whose text is never article text.
_DROP = "script, style, noscript, nav, header, footer, aside, form, iframe, svg, figure figcaption, button"
#: Block elements that each become one paragraph.
_BLOCKS = "h1, h2, h3, h4, h5, h6, p, li, blockquote"
_BLOCK_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote"}
_HTML_SNIFF = re.compile(r"^\s*(?:<!doctype html|<html|<head|<body|<article|<p[ >])", re.I)


@dataclass(frozen=True)
class Article:
    """A report's text (paragraphs separated by blank lines) and what the page says about itself.

    ``source`` has ``outlet``, ``title``, ``published`` (ISO date text) and ``url``, each None
    when the input does not give it.
    """

    text: str
    source: dict = field(default_factory=dict)
    fmt: str = "text"


def read_article(path: str | Path) -> Article:
    """Read a report from ``path`` ("-" for standard input) and reduce it to text.

    The format is taken from the extension (``.html``, ``.htm``, ``.md``, ``.markdown``),
    else sniffed from the first bytes.

    Raises
    ------
    UsageError
        The file cannot be read or is not UTF-8 text.
    """
    name = str(path)
    try:
        raw = sys.stdin.read() if name == "-" else Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise UsageError(f"{name}: cannot read the article: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{name}: not UTF-8 text (byte {exc.start}): save the article as UTF-8") from None
    suffix = Path(name).suffix.lower() if name != "-" else ""
    fmt = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown"}.get(suffix)
    return parse_article(raw, fmt=fmt)


def parse_article(raw: str, *, fmt: str | None = None) -> Article:
    """Reduce ``raw`` (text, Markdown or HTML; ``fmt`` None sniffs it) to an :class:`Article`.

    Examples
    --------
    >>> a = parse_article("<html><head><title>Clash</title></head><body><p>Two killed.</p></body></html>")
    >>> a.text, a.source["title"]
    ('Two killed.', 'Clash')
    """
    if fmt is None:
        fmt = "html" if _HTML_SNIFF.match(raw) else "text"
    if fmt == "html":
        return html_article(raw)
    if fmt == "markdown":
        art = html_article(MarkdownIt().render(raw))
        return Article(text=art.text, source={**art.source, "title": _first_heading(raw)}, fmt="markdown")
    # Lines join into paragraphs, except list items, which stay one per line.
    blocks = re.split(r"\n\s*\n", re.sub(r"\n(?=\s*[-*•]\s)", "\n\n", raw.replace("\r\n", "\n")))
    text = "\n\n".join(p for p in (" ".join(b.split()) for b in blocks) if p)
    return Article(text=text, source=_empty_source(), fmt="text")


def _empty_source() -> dict:
    return {"outlet": None, "title": None, "published": None, "url": None}


def _first_heading(md: str) -> str | None:
    m = re.search(r"^#\s+(.+)$", md, re.M)
    return m.group(1).strip() if m else None


def _meta(tree: LexborHTMLParser, *selectors: str) -> str | None:
    for sel in selectors:
        node = tree.css_first(sel)
        if node is None:
            continue
        value = node.attributes.get("content") or node.attributes.get("datetime") or node.attributes.get("href") or node.text()
        if value and value.strip():
            return " ".join(value.split())
    return None


def html_article(html: str) -> Article:
    """Article text and source metadata from a saved HTML page.

    Text comes from ``<article>`` (else ``<main>``, else ``<body>``), one paragraph per
    heading, paragraph or list item; scripts, navigation, headers and footers are dropped.
    """
    tree = LexborHTMLParser(html)
    source = {
        "outlet": _meta(tree, 'meta[property="og:site_name"]', 'meta[name="application-name"]', 'meta[name="publisher"]'),
        "title": _meta(tree, 'meta[property="og:title"]', 'meta[name="twitter:title"]', "title", "h1"),
        "published": _meta(tree, 'meta[property="article:published_time"]', 'meta[name="date"]', 'meta[name="pubdate"]',
                           'meta[itemprop="datePublished"]', "time[datetime]"),
        "url": _meta(tree, 'meta[property="og:url"]', 'link[rel="canonical"]'),
    }
    if source["published"]:
        m = re.match(r"\d{4}-\d{2}-\d{2}", source["published"])
        source["published"] = m.group(0) if m else None
    for node in tree.css(_DROP):
        node.decompose()
    root = tree.css_first("article") or tree.css_first("main") or tree.body
    paragraphs: list[str] = []
    if root is not None:
        for node in root.css(_BLOCKS):
            # A paragraph inside a list item (or a blockquote) is taken once, at the innermost block.
            if sum(c.tag in _BLOCK_TAGS for c in node.traverse()) > 1:
                continue
            text = " ".join(node.text(separator="").split())
            if text:
                paragraphs.append(text)
        if not paragraphs:
            paragraphs = [p for p in (" ".join(x.split()) for x in root.text(separator="\n").split("\n\n")) if p]
    return Article(text="\n\n".join(paragraphs), source=source, fmt="html")
