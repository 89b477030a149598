"""This project's manifest sources: manifest/base.json.j2 rendered with manifest/env/<env>.json (Jinja2).

Partials, in merge order:
    manifest/base.json.j2                      base manifest, rendered with the environment's values
    manifest/contributions/*.json[.j2]         one partial per contribution (owned by the UI)
    manifest/placeholder/placeholder.json      ONLY while manifest/contributions/ has no partial
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from adoext.diagnostics import Report
from adoext.errors import ManifestError
from adoext.manifests import Partial, display_path, overrides_partial, parse_json_text
from adoext.packaging import PackageOptions

REQUIRED = ("publisher", "extensionId", "displayNameSuffix", "baseUri", "backendUrl", "public")


def find_project(start: Path) -> Path:
    """Return the nearest folder (upwards) holding manifest/base.json.j2."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / "manifest" / "base.json.j2").is_file():
            return folder
    raise ManifestError(
        f"no manifest/base.json.j2 found in {here} or above; run inside the project or pass --root/--project."
    )


def env_values(project: Path, env: str) -> dict[str, Any]:
    """Read manifest/env/<env>.json and check it has every value the templates use."""
    path = project / "manifest" / "env" / f"{env}.json"
    origin = display_path(path, project)
    try:
        values = parse_json_text(path.read_text(encoding="utf-8"), origin, use_json5=False)
    except FileNotFoundError as exc:
        raise ManifestError(f"{origin}: environment file not found.") from exc
    missing = [key for key in REQUIRED if not isinstance(values, dict) or key not in values]
    if missing:
        raise ManifestError(
            f"{origin}: missing value(s) {', '.join(missing)}. Add them (see manifest/env/dev.json)."
        )
    assert isinstance(values, dict)
    values["env"] = env
    values["distExists"] = (project / "extension" / "dist").is_dir()
    return values


def _render(path: Path, values: dict[str, Any], origin: str) -> Any:
    """Render a .j2 template (undefined names are errors) and parse the JSON it produces."""
    import jinja2

    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False
    )
    environment.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False)
    try:
        text = environment.from_string(path.read_text(encoding="utf-8")).render(**values)
    except jinja2.TemplateError as exc:
        raise ManifestError(f"{origin}: template error: {exc}.") from exc
    return parse_json_text(text, origin, use_json5=False)


def _partial(path: Path, project: Path, values: dict[str, Any]) -> Partial:
    """Load one source file (rendering it when it is a template)."""
    origin = display_path(path, project)
    data = (
        _render(path, values, origin)
        if path.suffix == ".j2"
        else parse_json_text(path.read_text(encoding="utf-8"), origin, use_json5=False)
    )
    if not isinstance(data, dict):
        raise ManifestError(f"{origin}: a manifest must be a JSON object.")
    return Partial(origin, path.parent, data)


def source_partials(project: Path, env: str) -> list[Partial]:
    """Return the project's partial manifests for an environment, in merge order."""
    values = env_values(project, env)
    manifest_dir = project / "manifest"
    partials = [_partial(manifest_dir / "base.json.j2", project, values)]
    contributions = sorted(
        p for p in (manifest_dir / "contributions").glob("*.json*") if p.suffix in (".json", ".j2")
    )
    if not contributions:
        # Stand-in until the UI's contributions land; delete manifest/placeholder/ then.
        contributions = [manifest_dir / "placeholder" / "placeholder.json"]
    partials.extend(_partial(path, project, values) for path in contributions)
    return partials


def project_partials(options: PackageOptions, report: Report) -> list[Partial]:
    """Return the partials for `adoext package --env`, with any overrides applied last."""
    if options.manifests or options.manifest_globs:
        raise ManifestError(
            "--env packages this project's manifest/ sources; drop --manifests/--manifest-globs."
        )
    assert options.env is not None
    project = options.root_dir()
    partials = source_partials(project, options.env)
    extra = overrides_partial(
        cwd=options.base_dir(),
        root=project,
        overrides_file=options.overrides_file,
        override=options.override,
        publisher=options.publisher,
        extension_id=options.extension_id,
        use_json5=options.json5,
    )
    return partials + ([extra] if extra else [])


def merged_manifest(project: Path, env: str) -> dict[str, Any]:
    """Merge the sources into one vss-extension.json, file paths made absolute (rebased when written)."""
    result: dict[str, Any] = {}
    for partial in source_partials(project, env):
        for key, value in partial.data.items():
            if key == "files":
                value = [{**f, "path": str((partial.base / f["path"]).resolve())} for f in value]
            if key == "icons":
                value = {k: str((partial.base / v).resolve()) for k, v in value.items()}
            if key in ("contributions", "files", "contributionTypes"):
                result.setdefault(key, []).extend(value)
            elif key == "scopes":
                result.setdefault(key, []).extend(s for s in value if s not in result.get(key, []))
            else:
                result.setdefault(key, value)
    return result


def _relative(path: str, folder: Path) -> str:
    """Return `path` relative to `folder`, with forward slashes."""
    return Path(os.path.relpath(path, folder)).as_posix()


def write_merged_manifest(project: Path, env: str, output: Path | None) -> Path:
    """Write the merged manifest (paths relative to its folder) atomically; return where."""
    target = (output or project / "manifest" / "build" / f"vss-extension.{env}.json").resolve()
    data = merged_manifest(project, env)
    data["files"] = [{**f, "path": _relative(f["path"], target.parent)} for f in data.get("files", [])]
    if "icons" in data:
        data["icons"] = {k: _relative(v, target.parent) for k, v in data["icons"].items()}
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".adoext-", suffix=".json.tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=4, ensure_ascii=False) + "\n")
    os.replace(tmp, target)
    return target
