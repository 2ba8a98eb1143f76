"""The claim map as GitHub-flavoured Markdown, to paste into a pull request or an issue."""

from __future__ import annotations

import re

from bibkit.claims.claimmap import ClaimMap
from bibkit.infra.diagnostics import printable
from bibkit.reports.base import ReportOptions, build_context, render_template

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~$])")


def md_escape(text: object) -> str:
    """Inline text with Markdown and HTML meaning removed: specials backslash-escaped, ``&`` as an entity,
    control characters shown as escapes (``\\x1b``)."""
    flat = printable(" ".join(str(text or "").split()))
    return _SPECIAL.sub(r"\\\1", flat.replace("&", "&amp;"))


class MarkdownReporter:
    """GitHub-flavoured Markdown."""

    name = "markdown"

    def report(self, claim_map: ClaimMap, options: ReportOptions) -> str:
        """The claim map as Markdown."""
        ctx = build_context(claim_map, options)
        return render_template("claim-map.md", ctx, filters={"md": md_escape})
