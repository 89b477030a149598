"""Find and read the partial manifests (`--manifests`, `--manifest-globs`, overrides) in merge order."""

from __future__ import annotations

import glob
import json
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from adoext.errors import ManifestError
from adoext.package.jsvalues import js_keys
from adoext.package.realpaths import RealPaths, read_regular

DEFAULT_MANIFEST = "vss-extension.json"
OVERRIDE_ORIGIN = "--override"


class Partial(NamedTuple):
    """One partial manifest: its data, where it came from, and the folder its paths are relative to."""

    origin: str
    base: Path
    data: Mapping[str, Any]
    override: bool = False
    key_bases: Mapping[str, Path] = {}  # never mutated
    key_origins: Mapping[str, str] = {}  # never mutated

    def base_for(self, key: str) -> Path:
        """Return the folder `files`/`icons` paths under `key` are relative to."""
        return self.key_bases.get(key, self.base)

    def origin_for(self, key: str) -> str:
        """Return the file (or option) that supplied `key`."""
        return self.key_origins.get(key, self.origin)


def display_path(path: Path, cwd: Path) -> str:
    """Show a path relative to the working directory when it is inside it."""
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


# The largest integer a double holds finitely: Node reads a larger one as Infinity, which tfx writes as null.
_DOUBLE_LIMIT = 2**1024


def _number_or_null(text: str, base: int = 10) -> int | float | None:
    """A number as tfx writes it after JSON.parse: one beyond a double's range is null, not Infinity."""
    digits = text.lstrip("+-")
    if base != 10 or digits.isdigit():  # an integer (JSON5 also allows hexadecimal ones)
        if len(digits) > 400:  # beyond any double; int() refuses more than 4,300 digits
            return None
        value = int(text, base)
        return value if abs(value) < _DOUBLE_LIMIT else None
    number = float(text)
    return number if math.isfinite(number) else None


def _js_object(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """An object as JSON.parse builds it: a repeated key keeps its first place and its last value."""
    parsed = dict(pairs)
    return {key: parsed[key] for key in js_keys(parsed)}


def _not_json(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def load_json(text: str, use_json5: bool = False) -> Any:
    """Parse JSON (JSON5 with `use_json5`) into what tfx would write back (JSON.stringify).

    NaN and Infinity are not JSON (JSON.parse refuses them; JSON5 allows them, and tfx writes null for
    them); a number beyond a double's range is null too (a double, not Python's float('inf'), which
    json.dumps would write as the non-JSON `Infinity`). Objects keep JavaScript's key order (array
    indices such as "2" first), which is the order tfx reads and writes them in. Raises ValueError
    (json.JSONDecodeError for syntax), and ValueError too for a document nested deeper than the
    parser's recursion allows.
    """
    try:
        if use_json5:
            import json5

            return json5.loads(
                text,
                parse_float=_number_or_null,
                parse_int=_number_or_null,
                parse_constant=lambda _: None,
                object_pairs_hook=_js_object,
            )
        return json.loads(
            text,
            parse_float=_number_or_null,
            parse_int=_number_or_null,
            parse_constant=_not_json,
            object_pairs_hook=_js_object,
        )
    except RecursionError:
        raise ValueError("it is nested too deeply to read") from None


def parse_json_text(text: str, origin: str, use_json5: bool) -> Any:
    """Parse manifest text (BOM stripped) as JSON, or JSON5 with --json5."""
    text = text.removeprefix("\ufeff")
    try:
        return load_json(text, use_json5)
    except json.JSONDecodeError as exc:
        raise ManifestError(
            f"{origin}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}. "
            "Fix the syntax, or pass --json5 to allow comments and trailing commas."
        ) from exc
    except ValueError as exc:
        syntax = "JSON5" if use_json5 else "JSON"
        raise ManifestError(f"{origin}: invalid {syntax}: {exc}. Fix the syntax.") from exc


def read_text_input(path: Path) -> str:
    """Read a UTF-8 input file that must be a regular file of a sane size (see realpaths.read_regular)."""
    return read_regular(path).decode("utf-8")


def read_json_file(path: Path, origin: str, use_json5: bool, kind: str, relative_to: str) -> Any:
    """Read and parse a JSON file; a missing or unreadable one is one clear line naming `kind`."""
    try:
        text = read_text_input(path)
    except FileNotFoundError as exc:
        raise ManifestError(f"{origin}: {kind} not found. Check the path ({relative_to}).") from exc
    except IsADirectoryError as exc:
        raise ManifestError(f"{origin}: is a folder, not a {kind}. Name the file ({relative_to}).") from exc
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{origin}: the {kind} is not UTF-8 text. Save it as UTF-8.") from exc
    except OSError as exc:
        raise ManifestError(f"{origin}: cannot read the {kind}: {exc.strerror or 'I/O error'}.") from exc
    return parse_json_text(text, origin, use_json5)


def read_manifest(
    path: Path,
    origin: str,
    use_json5: bool,
    relative_to: str = "relative to --root",
    kind: str = "manifest",
) -> dict[str, Any]:
    """Read one manifest (or overrides) file; it must hold a JSON object."""
    data = read_json_file(path, origin, use_json5, kind, relative_to)
    if not isinstance(data, dict):
        raise ManifestError(f"{origin}: a {kind} must be a JSON object ({{...}}), not {type(data).__name__}.")
    return data


def manifest_paths(root: Path, manifests: tuple[str, ...], globs: tuple[str, ...]) -> list[Path]:
    """Return the manifest files in merge order: --manifests, then each glob's sorted matches."""
    real = RealPaths()
    base = os.fspath(root)  # strings until the end: a glob can match hundreds of files
    paths = [real(os.path.join(base, name)) for name in manifests]
    if globs:
        found: list[str] = []
        for pattern in globs:
            # Sorted, unlike tfx: merge order (and so contribution order) must not change between runs.
            matches = sorted(glob.glob(pattern, root_dir=base, recursive=True))
            found.extend(real(path) for m in matches if os.path.isfile(path := os.path.join(base, m)))
        if not found:
            raise ManifestError(
                "No manifests found from the following glob patterns: "
                + ", ".join(globs)
                + f" (searched in {root}). Check --root and the patterns."
            )
        paths.extend(found)
    if not manifests and not globs:
        paths.append(real(os.path.join(base, DEFAULT_MANIFEST)))
    return [Path(path) for path in dict.fromkeys(paths)]  # first occurrence wins, order kept


def deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Merge `extra` into a copy of `base`, objects recursively, `extra` winning."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def overrides_partial(
    *,
    cwd: Path,
    root: Path,
    overrides_file: Path | None,
    override: str | None,
    publisher: str | None,
    extension_id: str | None,
    use_json5: bool,
) -> Partial | None:
    """Build the overrides partial: file, then --override JSON, then --publisher/--extension-id."""
    data: dict[str, Any] = {}
    bases: dict[str, Path] = {}
    origins: dict[str, str] = {}
    file_origin = OVERRIDE_ORIGIN
    file_base = root
    if overrides_file is not None:
        path = (cwd / overrides_file).resolve()
        file_origin = display_path(path, cwd)
        file_base = path.parent
        data = read_manifest(path, file_origin, use_json5, "relative to the current folder", "overrides file")
        for key in data:
            bases[key], origins[key] = file_base, file_origin
    if override is not None:
        if not override.strip():  # an override that changes nothing is a mistake to show, as '[1]' is
            raise ManifestError(
                "--override is empty: pass a JSON object, e.g. --override '{\"public\": false}'."
            )
        extra = parse_json_text(override, OVERRIDE_ORIGIN, use_json5)
        if not isinstance(extra, dict):
            raise ManifestError("--override: must be a JSON object, e.g. --override '{\"public\": false}'.")
        data = deep_merge(data, extra)
        for key in extra:
            bases[key], origins[key] = root, OVERRIDE_ORIGIN
    if publisher is not None:
        data["publisher"] = publisher
        origins["publisher"] = "--publisher"
    if extension_id is not None:
        data["extensionid"] = extension_id
        origins["extensionid"] = "--extension-id"
    if not data:
        return None
    return Partial(file_origin, file_base, data, True, bases, origins)


def load_partials(
    *,
    cwd: Path,
    root: Path,
    manifests: tuple[str, ...],
    globs: tuple[str, ...],
    overrides_file: Path | None,
    override: str | None,
    publisher: str | None,
    extension_id: str | None,
    use_json5: bool,
    manifest_js: Partial | None = None,
) -> list[Partial]:
    """Read every partial manifest (or take the --manifest-js one instead), the overrides partial last."""
    partials = [manifest_js] if manifest_js is not None else []
    for path in manifest_paths(root, manifests, globs) if manifest_js is None else []:
        origin = display_path(path, cwd)
        partials.append(Partial(origin, path.parent, read_manifest(path, origin, use_json5)))
    extra = overrides_partial(
        cwd=cwd,
        root=root,
        overrides_file=overrides_file,
        override=override,
        publisher=publisher,
        extension_id=extension_id,
        use_json5=use_json5,
    )
    if extra is not None:
        partials.append(extra)
    return partials
