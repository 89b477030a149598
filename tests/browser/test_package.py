"""The built extension packages with `adoext`, and every contribution's `uri` is a file in the VSIX."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from .support import REPO


def test_every_contribution_uri_is_a_file_in_the_dev_vsix(tmp_path: Path, extension_dist: Path) -> None:
    adoext = Path(sys.executable).with_name("adoext")
    output = tmp_path / "report-bridge-dev.vsix"
    result = subprocess.run(
        [str(adoext), "package", "--target-env", "dev", "--output-path", str(output)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"adoext package failed:\n{result.stdout}\n{result.stderr}"
    with zipfile.ZipFile(output) as vsix:
        names = set(vsix.namelist())
        manifest = json.loads(vsix.read("extension.vsomanifest"))
        config = json.loads(vsix.read("dist/config.json"))
    environment = json.loads((REPO / "manifest" / "env" / "dev.json").read_text(encoding="utf-8"))
    assert config == {"backendUrl": environment["backendUrl"]}, "the pages read the backend URL from it"
    contributions = {c["id"]: c for c in manifest["contributions"]}
    partials = sorted(p.stem for p in (REPO / "manifest" / "contributions").glob("*.json"))
    assert sorted(contributions) == partials
    for contribution_id, contribution in contributions.items():
        uri = contribution["properties"]["uri"]
        assert uri == f"dist/{contribution_id}/{contribution_id}.html"
        assert uri in names, f"{uri} is not in the VSIX"
        assert f"dist/{contribution_id}/{contribution_id}.js" in names
