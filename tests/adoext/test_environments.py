"""The project's manifest sources: Jinja2-rendered base + env values + contribution partials."""

from __future__ import annotations

import hashlib
import json
import os
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from adoext.cli import get_cli
from adoext.errors import ManifestError
from adoext.package.api import package, validate
from adoext.package.content_types import CONTENT_TYPES_PART, resolve
from adoext.package.model import PackageOptions
from click.testing import CliRunner

from tests.adoext.conftest import REPO_ROOT, read_parts


def add_contribution(project: Path) -> None:
    """Add one contribution partial, as the UI does."""
    partial = {
        "contributions": [
            {
                "id": "hub",
                "type": "ms.vss-web.hub",
                "targets": ["ms.vss-work-web.work-hub-group"],
                "properties": {"name": "Hub", "uri": "dist/hub/hub.html"},
            }
        ],
        "scopes": ["vso.work_write"],
    }
    (project / "manifest" / "contributions" / "hub.json").write_text(json.dumps(partial))


def test_prod_package(project: Path) -> None:
    add_contribution(project)
    result = package(PackageOptions(cwd=project, env="prod", output_path="out/"))
    assert (result.publisher, result.extension_id, result.is_public) == (
        "report-bridge",
        "report-bridge",
        True,
    )
    parts = read_parts(result.path)
    vso = json.loads(parts["extension.vsomanifest"])
    assert [c["id"] for c in vso["contributions"]] == ["hub"]
    assert vso["scopes"] == ["vso.work", "vso.work_write"] and "baseUri" not in vso
    assert {"dist/hub/hub.html", "manifest/images/icon.png", "manifest/overview.md"} <= set(parts)


def test_dev_values(project: Path) -> None:
    add_contribution(project)
    result = package(PackageOptions(cwd=project, env="dev", output_path="o.vsix"))
    assert (result.publisher, result.extension_id, result.is_public) == (
        "report-bridge-dev",
        "report-bridge-dev",
        False,
    )
    parts = read_parts(result.path)
    assert json.loads(parts["extension.vsomanifest"])["baseUri"] == "http://127.0.0.1:8002"
    assert b"Report Bridge [DEV]" in parts["extension.vsixmanifest"]


def test_manifest_command_writes_a_tfx_usable_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add_contribution(project)
    monkeypatch.chdir(project / "manifest")
    result = CliRunner().invoke(get_cli(), ["manifest", "--target-env", "dev"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    written = project / "manifest" / "build" / "vss-extension.dev.json"
    data = json.loads(written.read_text())
    assert data["files"] == [
        {"path": "../../extension/dist", "addressable": True, "packagePath": "dist"},
        {"path": "vss-extension.dev.config.json", "addressable": True, "packagePath": "dist/config.json"},
    ]
    assert data["icons"] == {"default": "../images/icon.png"}
    assert data["name"] == "Report Bridge [DEV]" and data["public"] is False
    monkeypatch.chdir(project)
    again = package(
        PackageOptions(
            cwd=project, manifests=("manifest/build/vss-extension.dev.json",), output_path="fromfile.vsix"
        )
    )
    assert read_vsix_identity_id(again.path) == "report-bridge-dev"
    config = json.loads(read_parts(again.path)["dist/config.json"])
    assert config == {"backendUrl": json.loads((project / "manifest/env/dev.json").read_text())["backendUrl"]}
    assert os.listdir(project / "extension" / "dist") == ["hub"]


def package_cli(project: Path, env: str, output: Path) -> str:
    """Run `adoext package --target-env` on the project; return what it printed on stderr."""
    args = ["package", "--target-env", env, "--root", str(project), "--output-path", str(output)]
    result = CliRunner().invoke(get_cli(), args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stderr


@pytest.mark.parametrize("env", ["prod", "dev"])
def test_package_carries_the_environments_backend_url(project: Path, tmp_path: Path, env: str) -> None:
    add_contribution(project)
    env_file = json.loads((project / "manifest" / "env" / f"{env}.json").read_text())
    package_cli(project, env, tmp_path / f"{env}.vsix")
    parts = read_parts(tmp_path / f"{env}.vsix")
    assert json.loads(parts["dist/config.json"]) == {"backendUrl": env_file["backendUrl"]}
    content_types = parts[CONTENT_TYPES_PART].decode()
    assert resolve(content_types, "dist/config.json") == "application/json"
    ns = {"v": "http://schemas.microsoft.com/developer/vsx-schema/2011"}
    assets = ET.fromstring(parts["extension.vsixmanifest"]).findall("v:Assets/v:Asset", ns)
    config = [a.attrib for a in assets if a.get("Path") == "dist/config.json"]
    assert config == [
        {
            "Type": "dist/config.json",
            "{http://schemas.microsoft.com/developer/vsx-schema-design/2011}Source": "File",
            "Path": "dist/config.json",
            "Addressable": "true",
        }
    ]
    assert os.listdir(project / "extension" / "dist") == ["hub"]  # nothing written beside the bundles


def test_config_json_keeps_the_package_deterministic(project: Path, tmp_path: Path) -> None:
    add_contribution(project)
    package_cli(project, "prod", tmp_path / "first.vsix")
    time.sleep(2.1)  # past the zip format's 2-second clock resolution
    package_cli(project, "prod", tmp_path / "second.vsix")
    digests = {hashlib.sha256((tmp_path / n).read_bytes()).hexdigest() for n in ("first.vsix", "second.vsix")}
    assert len(digests) == 1


def test_backend_url_follows_the_env_file(project: Path, tmp_path: Path) -> None:
    add_contribution(project)
    env_path = project / "manifest" / "env" / "prod.json"
    values = json.loads(env_path.read_text())
    env_path.write_text(json.dumps({**values, "backendUrl": "https://rb.contoso.example/base/"}))
    package_cli(project, "prod", tmp_path / "p.vsix")
    config = json.loads(read_parts(tmp_path / "p.vsix")["dist/config.json"])
    assert config == {"backendUrl": "https://rb.contoso.example/base"}


@pytest.mark.parametrize("bad", ["report-bridge.example.com", "ftp://x.example", "https://", 42, None])
def test_backend_url_must_be_http(project: Path, tmp_path: Path, bad: object) -> None:
    env_path = project / "manifest" / "env" / "prod.json"
    env_path.write_text(json.dumps({**json.loads(env_path.read_text()), "backendUrl": bad}))
    # The older spelling `--env prod` (not a tfx k=v pair) still selects the environment.
    args = ["package", "--env", "prod", "--root", str(project), "--output-path", str(tmp_path / "x.vsix")]
    result = CliRunner().invoke(get_cli(), args)
    assert result.exit_code != 0 and not (tmp_path / "x.vsix").exists()
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "manifest/env/prod.json: $.backendUrl:" in lines[0], result.stderr


def test_a_config_json_on_disk_is_replaced_with_a_warning(project: Path, tmp_path: Path) -> None:
    add_contribution(project)
    (project / "extension" / "dist" / "config.json").write_text('{"backendUrl": "http://stale.example"}')
    stderr = package_cli(project, "prod", tmp_path / "p.vsix")
    expected = "config.json is not packaged: --target-env writes dist/config.json from manifest/env/prod.json"
    assert expected in stderr
    parts = read_parts(tmp_path / "p.vsix")
    assert json.loads(parts["dist/config.json"])["backendUrl"] == "https://report-bridge.azurewebsites.net"
    assert list(parts).count("dist/config.json") == 1


def read_vsix_identity_id(path: Path) -> str:
    """Return the extension id of a package."""
    from adoext.package.api import read_vsix_identity

    return read_vsix_identity(path).extension_id


def test_missing_env_value(project: Path) -> None:
    (project / "manifest" / "env" / "dev.json").write_text('{"publisher": "x"}')
    with pytest.raises(ManifestError, match=r"manifest/env/dev.json: missing value\(s\) extensionId"):
        validate(PackageOptions(cwd=project, env="dev"))


@pytest.mark.skipif(
    not (REPO_ROOT / "extension" / "dist").is_dir(),
    reason="extension/dist is not built (scripts/dev test builds it)",
)
@pytest.mark.parametrize("env", ["dev", "prod"])
def test_this_project_packages_without_a_warning(env: str) -> None:
    result = validate(PackageOptions(cwd=REPO_ROOT, env=env, strict=True))  # strict: a warning fails
    assert result.extension_id.startswith("report-bridge") and result.size < 25 * 1024 * 1024
