"""The HTML claim map: one self-contained file (inline CSS, JS and SVG) that works from ``file://``.

Everything is in the markup; the script only adds filters and a search box. Every user string
goes through Jinja2 autoescaping, and a Content-Security-Policy lets only our own script run.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from bibkit import __version__
from bibkit.claims.claimmap import ClaimMap
from bibkit.reports.base import Context, ReportOptions, build_context, render_template

MATRIX_MAX_ROWS = 400
MATRIX_MAX_COLS = 80
CELL = 20
GAP = 3
#: Claim ids up to this many characters are drawn whole beside the matrix; a longer one is cut at its
#: end ("…"), the whole id in its tooltip (an id cut at its start would name another claim).
MATRIX_LABEL_CHARS = 48


@dataclass
class MatrixCell:
    """One claim-source link drawn as a square."""

    x: int
    y: int
    stance: str
    verified: bool
    resolved: bool
    title: str
    rejected: bool = False  # a reviewer's rejection holds: crossed out, neither solid nor hatched


@dataclass
class MatrixAxis:
    """A row (claim) or column (source) label."""

    key: str
    label: str
    href: str
    offset: int
    status: str = ""
    missing: bool = False

    @property
    def cut(self) -> bool:
        """True when the label is shorter than the key (the whole key is in the tooltip)."""
        return self.label != self.key


def row_label(claim_id: str) -> str:
    """A claim id as the matrix shows it: whole, or cut at its end with "…" when longer than the label room."""
    if len(claim_id) <= MATRIX_LABEL_CHARS:
        return claim_id
    return claim_id[:MATRIX_LABEL_CHARS - 1] + "…"


@dataclass
class Matrix:
    """The support matrix: claims down, sources across, one cell per link."""

    rows: list[MatrixAxis] = field(default_factory=list)
    cols: list[MatrixAxis] = field(default_factory=list)
    cells: list[MatrixCell] = field(default_factory=list)
    left: int = 0
    top: int = 0
    width: int = 0
    height: int = 0
    cell: int = CELL
    hidden_rows: int = 0
    hidden_cols: int = 0
    without_links: int = 0


def build_matrix(ctx: Context) -> Matrix:
    """Lay out the support matrix for the listed claims that have links (linear in links)."""
    linked = [row for _, rows in ctx.groups for row in rows if row.links]
    m = Matrix(without_links=len(ctx.claims) - len(linked))
    keys = [s.key for s in ctx.sources] + list(ctx.unresolved)
    m.hidden_cols = max(0, len(keys) - MATRIX_MAX_COLS)
    keys = keys[:MATRIX_MAX_COLS]
    m.hidden_rows = max(0, len(linked) - MATRIX_MAX_ROWS)
    linked = linked[:MATRIX_MAX_ROWS]
    short = {s.key: s.short for s in ctx.sources}
    longest_row = max((len(row_label(r.id)) for r in linked), default=8)
    longest_col = max((len(short.get(k, k)) for k in keys), default=8)
    m.left = 24 + int(longest_row * 7)  # 7 px a character of the 11 px monospace labels, with room to spare
    m.top = min(220, 28 + int(longest_col * 5.6))
    step = CELL + GAP
    col_x = {}
    for i, key in enumerate(keys):
        col_x[key] = m.left + i * step
        missing = key not in short
        m.cols.append(MatrixAxis(key, short.get(key, key), f"#source-{key}" if not missing else "#claims",
                                 col_x[key], missing=missing))
    for j, row in enumerate(linked):
        y = m.top + j * step
        m.rows.append(MatrixAxis(row.id, row_label(row.id), f"#claim-{row.id}", y, status=row.status))
        seen: set[str] = set()
        for link in row.links:
            if link.key in seen or link.key not in col_x:
                continue
            seen.add(link.key)
            checked = ("stale" if link.stale else "rejected" if link.rejected
                       else "verified" if link.verified else "unverified")
            where = f", {link.locator}" if link.locator else ""
            source = link.citation if link.resolved else f"{link.key} (not in the bibliography)"
            m.cells.append(MatrixCell(col_x[link.key], y, link.stance, link.verified and not link.rejected,
                                      link.resolved, f"{row.id} ← {source}: {link.stance}, {checked}{where}",
                                      rejected=link.rejected and link.resolved))
    m.width = m.left + max(1, len(keys)) * step + 110
    m.height = m.top + max(1, len(linked)) * step + 8
    return m


class HtmlReporter:
    """A single HTML page a reviewer can open, filter, search and print."""

    name = "html"

    def report(self, claim_map: ClaimMap, options: ReportOptions) -> str:
        """The claim map as a self-contained HTML document."""
        ctx = build_context(claim_map, options, full_sources=True)
        from bibkit.infra.templating import environment

        env = environment(html=True)
        script = env.loader.get_source(env, "claim-map.js")[0]
        style = env.loader.get_source(env, "claim-map.css")[0]
        digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
        gate = None
        if options.fail_under is not None:
            value = claim_map.numbers.percent(options.metric)
            from bibkit.claims.claimmap import gate as gate_holds

            gate = {"metric": options.metric, "fail_under": f"{options.fail_under:g}",
                    "passed": gate_holds(claim_map.numbers, options.fail_under, options.metric),
                    "value": value}
        return render_template("claim-map.html", ctx, html=True, matrix=build_matrix(ctx), script=script,
                               style=style, script_hash=digest, version=__version__, gate=gate)
