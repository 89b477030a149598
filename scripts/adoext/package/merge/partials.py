"""Merge partial manifests the way tfx does: first value wins, overrides replace, lists only grow.

Each key is applied to both sides, each by its own table of key rules: the vsixmanifest side
(`vsixmanifest.VSIX_KEYS`, with the <Property> keys of `properties.PROPERTY_KEYS`) and the vsomanifest
side (`vsomanifest.VSO_KEYS`, everything else copied). Every value keeps the file and JSON path it came
from (`merged.KeyContext`), so later errors can point at it.
"""

from __future__ import annotations

from pathlib import Path

from adoext.package.diagnostics import Report
from adoext.package.merge import vsixmanifest, vsomanifest
from adoext.package.merge.merged import KeyContext, Merged
from adoext.package.sources.manifests import Partial


def merge(partials: list[Partial], root: Path, report: Report) -> Merged:
    """Merge the partials in order into one extension description."""
    merged = Merged()
    merged.first_origin = partials[0].origin if partials else None
    for partial in partials:
        for key, value in partial.data.items():
            if value is None and not partial.override:
                continue
            ctx = KeyContext(partial, key, root, report)
            vsixmanifest.process(merged, key, value, ctx)
            vsomanifest.process(merged, key, value, ctx)
    vsomanifest.finish(merged)
    return merged
