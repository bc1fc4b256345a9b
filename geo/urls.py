"""Which URLs may reach a page: absolute http(s) links only, decided here and nowhere else.

Layers are checked with :func:`url_problem` when they are read (every column typed
:data:`geo.schema.Url`); renderers can call :func:`is_safe_url` again before writing an
``href`` (defence in depth).
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

#: Schemes a link may use. ``javascript:``, ``data:``, ``vbscript:``, ``file:`` and the rest never reach a page.
SAFE_SCHEMES = frozenset({"http", "https"})
#: Longest URL accepted (characters); longer ones are not links people cite.
MAX_URL_CHARS = 2048
#: Characters not allowed unencoded in a URL (RFC 3986) that could end or confuse an HTML attribute,
#: and the backslash, which browsers read as "/": refused anywhere. Whitespace and control
#: characters are refused too (browsers drop some of them, so ``java\tscript:`` would still run).
#: "'" is allowed: it is legal in URLs (Wikipedia titles) and escaped in every attribute we write.
_FORBIDDEN = frozenset('"<>`\\')


def url_problem(text: object) -> str | None:
    """Why ``text`` may not be used as a link, or None when it may.

    Parameters
    ----------
    text
        The candidate URL, as read from a layer.

    Returns
    -------
    str or None
        A short reason ("must be an http(s) URL ...") for a message naming file, line and column.

    Examples
    --------
    >>> url_problem("https://www.geonames.org/1138958") is None
    True
    >>> url_problem("javascript:alert(1)")
    "must be an http(s) URL (scheme 'javascript' is not allowed)"
    """
    if not isinstance(text, str) or not text:
        return "must be an http(s) URL, got nothing"
    if len(text) > MAX_URL_CHARS:
        return f"must be an http(s) URL of at most {MAX_URL_CHARS} characters (has {len(text)})"
    bad = next((c for c in text if c in _FORBIDDEN or unicodedata.category(c) in ("Cc", "Cf", "Zs", "Zl", "Zp")), None)
    if bad is not None:
        return f"must be an http(s) URL without spaces, control characters or any of \" < > ` \\ (has {bad!r})"
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # e.g. an unbalanced "[" in the host
        return f"must be an http(s) URL ({exc})"
    if parts.scheme.lower() not in SAFE_SCHEMES:
        shown = f"scheme {parts.scheme!r} is not allowed" if parts.scheme else "no scheme; start it with https://"
        return f"must be an http(s) URL ({shown})"
    if not parts.hostname:
        return "must be an http(s) URL with a host name (https://host/...)"
    return None


def is_safe_url(text: object) -> bool:
    """True when ``text`` may be written into an ``href``: an absolute http(s) URL, nothing that could run.

    Examples
    --------
    >>> is_safe_url("https://www.aljazeera.com/news/")
    True
    >>> is_safe_url(" javascript:alert(1)"), is_safe_url("data:text/html,x"), is_safe_url(None)
    (False, False, False)
    """
    return url_problem(text) is None
