"""``geo draft``: from a report's text to draft sites, claims and a source row, and accepting them into layers/."""

from geo.draft.accept import accept
from geo.draft.article import Article, parse_article, read_article
from geo.draft.core import Draft, draft_report
from geo.draft.output import draft_file, summary_lines, write_review

__all__ = ["Article", "Draft", "accept", "draft_file", "draft_report", "parse_article", "read_article", "summary_lines", "write_review"]
