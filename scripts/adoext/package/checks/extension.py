"""Checks run before anything is written: tfx's rules (bugs fixed) plus what the Marketplace rejects later.

Each check records a Problem naming the manifest file, the JSON path and the fix. With
--bypass-validation the rule checks become warnings; unreadable or missing files stay errors. A few
problems tfx lets through (a contribution uri or icon that is not packaged, an unknown scope) are
warnings, so adoext stays a drop-in; --strict turns every warning into an error.
"""

from __future__ import annotations

import re
from typing import Any

from adoext.package.checks.scopes import KNOWN_SCOPES
from adoext.package.diagnostics import Problem, Report
from adoext.package.jsvalues import js_length, js_truthy
from adoext.package.merge.merged import Merged
from adoext.package.model import PackageFile, extension_id_problem

DEFAULT_LIMIT = 25 * 1024 * 1024  # the Marketplace's documented default package limit
KNOWN_TARGETS = frozenset(
    {
        "Microsoft.VisualStudio.Services",
        "Microsoft.VisualStudio.Services.Cloud",
        "Microsoft.VisualStudio.Services.Integration",
        "Microsoft.VisualStudio.Services.Cloud.Integration",
        "Microsoft.VisualStudio.Offer",
        "Microsoft.TeamFoundation.Server",
        "Microsoft.TeamFoundation.Server.Integration",
    }
)
INTEGRATION_TARGETS = frozenset(
    {
        "Microsoft.VisualStudio.Services.Integration",
        "Microsoft.VisualStudio.Services.Cloud.Integration",
        "Microsoft.TeamFoundation.Server.Integration",
    }
)
URI_TYPES = frozenset(
    {
        "ms.vss-web.hub",
        "ms.vss-web.action",
        "ms.vss-web.action-provider",
        "ms.vss-dashboards-web.widget",
        "ms.vss-dashboards-web.widget-configuration",
        "ms.vss-work-web.work-item-form-group",
        "ms.vss-work-web.work-item-form-page",
        "ms.vss-work-web.work-item-form-control",
        "ms.vss-web.tab",
        "ms.vss-web.control",
        "ms.vss-web.external-content",
        "ms.vss-web.panel",
    }
)


class Checker:
    """Records rule violations as errors, or as warnings when validation is bypassed."""

    def __init__(self, merged: Merged, files: list[PackageFile], report: Report, bypass: bool) -> None:
        self.merged = merged
        self.files = files
        self.report = report
        self.bypass = bypass
        self.parts = {f.part for f in files}

    def rule(
        self,
        message: str,
        key: str | None = None,
        hint: str | None = None,
        where: tuple[str | None, str | None] | None = None,
    ) -> None:
        """Record a broken rule at the origin of `key` (or at `where`)."""
        origin, path = where if where else self.merged.origin(key) if key else (None, None)
        record = self.report.warn if self.bypass else self.report.error
        record(message, origin, path, hint)

    def identity(self) -> None:
        """Id, version, name, publisher, description and categories."""
        ident, meta = self.merged.identity, self.merged.metadata
        ext_id = ident.get("Id")
        if not isinstance(ext_id, str):
            # tfx packages an extension without an id (as <publisher>.undefined-<version>.vsix): a warning.
            # An empty one it refuses, as any id its pattern does not match (extension_id_problem).
            origin, path = self.merged.origin("id")
            self.report.warn(
                "'extensionId' is missing: the package has no extension id, and the Marketplace needs one.",
                origin,
                path,
                'Add "id": "my-extension" or pass --extension-id.',
            )
        elif (problem := extension_id_problem(ext_id)) is not None:
            if problem.tfx_refuses:
                self.rule(problem.message, "id", "Rename it, e.g. 'report-bridge'.")
            else:  # tfx packages it: a warning, an error under --strict (issue 13's rule)
                origin, path = self.merged.origin("id")
                self.report.warn(problem.message, origin, path, "Rename it, e.g. 'report-bridge'.")
        version = ident.get("Version")
        if not isinstance(version, str) or not version:
            self.rule(
                "'version' must be provided.", "version", 'Write it as a string, e.g. "version": "1.0.0".'
            )
        for key, value in (("name", meta.get("DisplayName")), ("publisher", ident.get("Publisher"))):
            self._named(key, value)
        self._description(meta.get("Description"))
        if not meta.get("Categories"):
            self.rule(
                "One or more 'categories' must be provided.",
                "categories",
                'Add e.g. "categories": ["Azure Boards"].',
            )

    def _named(self, key: str, value: Any) -> None:
        """A name or publisher is a non-empty string (tfx's rule); a blank one tfx takes is a warning."""
        extra = " or pass --publisher" if key == "publisher" else ""
        hint = f'Add "{key}": "..." to the manifest{extra}.'
        if not isinstance(value, str) or not value:
            self.rule(f"'{key}' must be provided.", key, hint)
        elif not value.strip():
            origin, path = self.merged.origin(key)
            self.report.warn(f"'{key}' is only white space: tfx packages it as it is.", origin, path, hint)

    def _description(self, value: Any) -> None:
        """tfx's rule, as JavaScript reads it: a falsy description passes, any other needs a length of
        at most 200 (UTF-16 units, so an emoji counts two; a number or object has no length and fails)."""
        if not js_truthy(value):
            return
        length = js_length(value) if isinstance(value, str) else None
        if isinstance(value, list):
            length = len(value)
        if length is None or length > 200:
            shown = f" (it has {length})" if length is not None else f" (it is no text: {str(value)[:40]})"
            self.rule(
                f"'description' must be less than 200 characters{shown}.",
                "description",
                "Shorten it; put the long text in content.details.",
            )

    def targets(self) -> None:
        """Every target is known; integration extensions need a getstarted link."""
        for target_id in dict.fromkeys(self.merged.target_ids):
            if target_id not in KNOWN_TARGETS:
                self.rule(
                    f"'{target_id}' is not a recognized target.",
                    "target:" + target_id,
                    "Valid targets are " + ", ".join(f"'{t}'" for t in sorted(KNOWN_TARGETS)) + ".",
                )
        if not self.merged.targets:
            self.report.warn(
                "No 'targets' provided. Defaulting to Microsoft.VisualStudio.Services.",
                hint='Add "targets": [{"id": "Microsoft.VisualStudio.Services"}].',
            )
        ids = {t["Id"] for t in self.merged.targets}
        props = {pid for pid, _ in self.merged.properties}
        if ids & INTEGRATION_TARGETS and not props & {
            "Microsoft.VisualStudio.Services.Links.Getstarted",
            "Microsoft.VisualStudio.Services.Links.Action",
        }:
            self.rule(
                "An 'integration' extension must provide a 'getstarted' link.",
                "links",
                'Add "links": {"getstarted": {"uri": "https://..."}}.',
            )
        flags = str(self.merged.metadata.get("GalleryFlags") or "")
        # tfx: "paid" anywhere in the flags' text, in any case ("PAID", "Preview,Paid"), needs the link.
        if "paid" in flags.lower() and "Microsoft.VisualStudio.Services.Links.Support" not in props:
            self.rule(
                "Paid extensions are required to have a support link.",
                "galleryflags",
                'Add "links": {"support": {"uri": "<support url>"}}.',
            )

    def contributions(self) -> None:
        """At least one contribution; unique ids; packaged uris and icons."""
        vso = self.merged.vso
        contributions = vso.get("contributions") or []
        is_vss = not self.merged.targets or any(
            t["Id"].startswith("Microsoft.VisualStudio.Services") for t in self.merged.targets
        )
        if is_vss and not contributions and not vso.get("contributionTypes"):
            self.rule(
                "Your extension must define at least one contribution or contribution type.",
                "contributions",
                'Add "contributions": [...] (e.g. a hub).',
            )
        seen: set[str] = set()
        for index, item in enumerate(contributions):
            where = (
                self.merged.contribution_origins[index]
                if index < len(self.merged.contribution_origins)
                else (None, f"$.contributions[{index}]")
            )
            if not isinstance(item, dict):
                self.rule("A contribution must be an object.", where=where, hint='{"id": ..., "type": ...}')
                continue
            cid = item.get("id")
            if cid in seen:
                self.rule(
                    f"Your extension defined a duplicate contribution id '{cid}'.",
                    where=where,
                    hint="Give every contribution its own id.",
                )
            seen.add(str(cid))
            self._contribution_files(item, where)

    def _contribution_files(self, item: dict[str, Any], where: tuple[str, str] | tuple[None, str]) -> None:
        """A relative uri or icon must name a packaged file (unless a baseUri serves the content: the
        host resolves both against it, so they need not be in the package)."""
        props = item.get("properties") if isinstance(item.get("properties"), dict) else {}
        assert isinstance(props, dict)
        if _serves_remotely(self.merged):
            return
        if item.get("type") in URI_TYPES:
            self._packaged(props.get("uri"), where, "properties.uri")
        icon = props.get("icon")
        icons = icon.items() if isinstance(icon, dict) else [("", icon)]
        for theme, value in icons:
            self._packaged(value, where, "properties.icon" + (f".{theme}" if theme else ""), icon=True)

    def _packaged(
        self, value: Any, where: tuple[str | None, str | None], field: str, icon: bool = False
    ) -> None:
        """Check that a relative reference points at a packaged file."""
        if not isinstance(value, str) or not value or "{" in value:
            return
        target = value[len("asset://") :] if value.startswith("asset://") else value
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith("//"):
            return
        clean = (
            re.split(r"[?#]", target, maxsplit=1)[0].lstrip("./") if not target.startswith("../") else target
        )
        if clean and clean not in self.parts:
            kind = "icon" if icon else "uri"
            # A warning, not an error: tfx packages such extensions (Microsoft's own sample ships one),
            # and adoext must stay a drop-in. --strict makes it an error.
            self.report.warn(
                f"contribution {kind} '{value}' is not a file in the package: it will fail to load.",
                where[0],
                f"{where[1]}.{field}",
                "Add the file to 'files' (addressable) or fix the path (relative to the package root).",
            )

    def scopes(self) -> None:
        """Unknown scopes are a warning (the Marketplace rejects misspelt ones at upload)."""
        for scope in self.merged.vso.get("scopes") or []:
            if isinstance(scope, str) and scope not in KNOWN_SCOPES:  # the rest were warned about at merge
                origin, path = self.merged.origin("scope:" + scope)
                self.report.warn(
                    f"unknown scope '{scope}'.",
                    origin,
                    path,
                    "Check the spelling against the Azure DevOps scopes list.",
                )


def _serves_remotely(merged: Merged) -> bool:
    """Tell whether contributions load from a baseUri instead of the package."""
    base = merged.vso.get("baseUri")
    return isinstance(base, str) and bool(re.match(r"^https?://", base))


def check_extension(merged: Merged, files: list[PackageFile], report: Report, bypass: bool) -> None:
    """Check the merged manifest: identity, targets, contributions and scopes."""
    checker = Checker(merged, files, report, bypass)
    checker.identity()
    checker.targets()
    checker.contributions()
    checker.scopes()


def size_problem(size: int, limit: int, origin: str | None = None) -> Problem | None:
    """A package over the limit: the Marketplace refuses it unless the publisher's limit was raised."""
    if size <= limit:
        return None
    return Problem(
        f"the package is {size:,} bytes, over the {limit:,}-byte limit (the Marketplace's default limit "
        f"is {DEFAULT_LIMIT:,} bytes, 25 MiB; it refuses larger uploads unless your publisher's limit "
        "was raised).",
        origin,
        "$.files",
        hint="Leave out large files (source maps, unused node_modules) or raise --max-size "
        "if your publisher has a larger limit.",
    )
