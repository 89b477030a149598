"""Symbolic links under `files` (D9): what tfx-cli 0.23.1 can package, adoext packages; what it cannot is
one clear error, and nothing is written.

tfx lstats each `files` path and each name in a folder it walks: a link to a file is read through (its
target's bytes); a link to a folder is read as a file and fails (`error: Error: EISDIR: illegal operation
on a directory, read`, exit 255); a link to nothing fails (`ENOENT ... open '<root>/s/broken.js'`, exit
255). Repros: /tmp/diffsweep/mini/symfile, symdir, symdir2, symbroken.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from adoext.cli import get_cli
from adoext.errors import ValidationFailed
from click.testing import CliRunner

from tests.adoext.conftest import Ext, base_manifest, read_parts


def with_files(make_ext: Callable[..., Ext], *files: dict[str, Any]) -> Ext:
    """The sample extension with more `files` entries."""
    return make_ext(base_manifest(files=[*base_manifest()["files"], *files]))


def errors_for(ext: Ext) -> list[str]:
    """Package; return the error lines, checking that nothing was written."""
    with pytest.raises(ValidationFailed) as caught:
        ext.package()
    assert not (ext.root / "out").exists()
    return caught.value.problems


def test_a_link_to_a_file_is_packaged_with_its_targets_bytes(make_ext: Callable[..., Ext]) -> None:
    ext = with_files(make_ext, {"path": "single.js"}, {"path": "lnk/f.js"})
    ext.write("real/f.js", "export const f = 1;")
    (ext.root / "dist" / "alias.js").symlink_to("hub.js")
    (ext.root / "single.js").symlink_to("dist/hub.js")
    (ext.root / "lnk").symlink_to("real")  # a link in the middle of a path is followed (tfx lstats the end)
    parts = read_parts(ext.package().path)
    assert parts["dist/alias.js"] == parts["single.js"] == parts["dist/hub.js"] == b"console.log(1);"
    assert parts["lnk/f.js"] == b"export const f = 1;"


@pytest.mark.parametrize("where", ["in a folder", "as the files path"])
def test_a_dangling_link_is_one_error_naming_it(make_ext: Callable[..., Ext], where: str) -> None:
    inside = where == "in a folder"
    ext = make_ext() if inside else with_files(make_ext, {"path": "broken.js"})
    link = ext.root / ("dist/broken.js" if inside else "broken.js")
    link.symlink_to("nowhere.js")
    (problem,) = errors_for(ext)
    assert f"the symbolic link '{link}' points to 'nowhere.js', which does not exist." in problem
    assert problem.startswith("vss-extension.json: $.files[") and "\n" not in problem


@pytest.mark.parametrize(
    ("link", "target", "entry"),
    [
        ("dist/lib", "../real", None),
        ("lib", "real", {"path": "lib", "addressable": True}),
        ("dist/outside", "../../outside", None),  # a target outside --root is refused like any other
        ("dist/loop", ".", None),
    ],
    ids=["in-a-folder", "as-the-files-path", "outside-root", "loop"],
)
def test_a_link_to_a_folder_is_one_error_naming_it(
    make_ext: Callable[..., Ext], link: str, target: str, entry: dict[str, Any] | None
) -> None:
    ext = with_files(make_ext, entry) if entry else make_ext()
    ext.write("real/f.js", "x")
    ext.write("../outside/secret.txt", "x")
    (ext.root / link).symlink_to(target)
    (problem,) = errors_for(ext)
    assert f"the symbolic link '{ext.root / link}' points to a folder ('{target}')" in problem
    assert "EISDIR" in problem and "\n" not in problem


def test_a_dangling_link_on_the_command_line_is_one_error_line_and_writes_nothing(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = make_ext()
    (ext.root / "dist" / "gone.js").symlink_to("gone-target.js")
    monkeypatch.chdir(ext.root)
    result = CliRunner().invoke(get_cli(), ["package", "--output-path", "out/x.vsix", "--no-prompt"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert "gone.js' points to 'gone-target.js', which does not exist" in line
    assert not (ext.root / "out").exists()
