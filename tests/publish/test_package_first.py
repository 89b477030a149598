"""`adoext publish` without --vsix packages first with `adoext package`'s options, then publishes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.devtools.marketplace_emulator.state import MarketplaceState

from .conftest import EXTENSION, PUBLISHER, Adoext, one_line_error


def write_extension(root: Path, *, publisher: str = PUBLISHER, contributions: bool = True) -> Path:
    """Write a small extension source tree (manifest + one page) for the packager."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "hello.html").write_text("<p>hello</p>\n", encoding="utf-8")
    hub = {
        "id": "hub",
        "type": "ms.vss-web.hub",
        "targets": ["ms.vss-work-web.work-hub-group"],
        "properties": {"name": "Customer reports", "uri": "hello.html"},
    }
    manifest = {
        "manifestVersion": 1,
        "id": EXTENSION,
        "publisher": publisher,
        "version": "1.2.3",
        "name": "Report Bridge",
        "description": "Customer reports in Azure Boards.",
        "targets": [{"id": "Microsoft.VisualStudio.Services"}],
        "categories": ["Azure Boards"],
        "contributions": [hub] if contributions else [],
        "files": [{"path": "hello.html", "addressable": True}],
    }
    (root / "vss-extension.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return root


def test_publish_packages_then_uploads(adoext: Adoext, tmp_path: Path, marketplace: MarketplaceState) -> None:
    src = write_extension(tmp_path / "src")
    out = tmp_path / "out"
    out.mkdir()

    result = adoext("publish", "--root", str(src), "--output-path", str(out))

    assert result.exit_code == 0, result.output
    vsix = out / f"{PUBLISHER}.{EXTENSION}-1.2.3.vsix"
    assert vsix.is_file()
    assert f"Packaged {PUBLISHER}.{EXTENSION} 1.2.3 into {vsix}" in result.stdout
    post = next(r for r in marketplace.requests if r.method == "POST")
    assert post.body_size == vsix.stat().st_size
    assert marketplace.extensions[(PUBLISHER, EXTENSION)].versions[0].validated


def test_package_options_such_as_publisher_apply_while_packaging(
    adoext: Adoext, tmp_path: Path, marketplace: MarketplaceState
) -> None:
    src = write_extension(tmp_path / "src", publisher="someone-else")

    result = adoext(
        "publish",
        "--root",
        str(src),
        "--output-path",
        str(tmp_path),
        "--publisher",
        PUBLISHER,
        "--no-wait-validation",
    )

    assert result.exit_code == 0, result.output
    assert (PUBLISHER, EXTENSION) in marketplace.extensions


def test_an_extension_that_fails_validation_is_never_uploaded(
    adoext: Adoext, tmp_path: Path, marketplace: MarketplaceState
) -> None:
    src = write_extension(tmp_path / "src", contributions=False)

    result = adoext("publish", "--root", str(src), "--output-path", str(tmp_path))

    assert result.exit_code == 3
    assert "nothing was written" in one_line_error(result)
    assert "must define at least one contribution" in result.stderr
    assert marketplace.requests == []


def test_dry_run_packages_into_a_scratch_folder_and_sends_nothing(
    adoext: Adoext, tmp_path: Path, marketplace: MarketplaceState
) -> None:
    src = write_extension(tmp_path / "src")

    result = adoext("publish", "--root", str(src), "--dry-run")

    assert result.exit_code == 0, result.output
    assert "scratch folder (removed after the dry run)" in result.stdout
    assert "POST " in result.stdout and marketplace.requests == []
    assert sorted(p.name for p in src.iterdir()) == ["hello.html", "vss-extension.json"]


def test_dry_run_refuses_rev_version_which_writes_the_manifest(
    adoext: Adoext, tmp_path: Path, marketplace: MarketplaceState
) -> None:
    src = write_extension(tmp_path / "src")
    before = (src / "vss-extension.json").read_text(encoding="utf-8")

    result = adoext("publish", "--root", str(src), "--dry-run", "--rev-version")

    assert result.exit_code == 1
    assert "--rev-version writes the manifest" in one_line_error(result)
    assert (src / "vss-extension.json").read_text(encoding="utf-8") == before


def _version(src: Path) -> str:
    return str(json.loads((src / "vss-extension.json").read_text(encoding="utf-8"))["version"])


@pytest.mark.parametrize(
    ("extra", "env", "code"),
    [
        (["--auth", "pat"], {"ADOEXT_PAT": None}, 1),  # no token to send
        (["--service-url", "ftp://x"], {}, 2),
        (["--service-url", ""], {}, 2),
        (["--share-with", "a/b"], {}, 2),
        (["--poll-interval", "nan"], {}, 2),
    ],
)
def test_rev_version_changes_nothing_when_the_command_line_is_wrong(
    adoext: Adoext, tmp_path: Path, marketplace: MarketplaceState, extra: list[str],
    env: dict[str, str | None], code: int,
) -> None:
    src = write_extension(tmp_path / "src")
    out = tmp_path / "out"

    result = adoext("publish", "--root", str(src), "--rev-version", "--output-path", f"{out}/", *extra,
                    env=env, service="--service-url" not in extra)

    assert result.exit_code == code, result.output
    one_line_error(result)
    assert _version(src) == "1.2.3"
    assert not out.exists()  # no package was written either
    assert marketplace.requests == []


def test_rev_version_is_written_back_only_once_the_marketplace_holds_the_version(
    adoext: Adoext, tmp_path: Path, marketplace: MarketplaceState
) -> None:
    src = write_extension(tmp_path / "src")
    out = tmp_path / "out"
    marketplace.fail_next(400, method="POST")  # the upload is refused: version 1.2.4 stays free

    failed = adoext("publish", "--root", str(src), "--rev-version", "--output-path", f"{out}/")

    assert failed.exit_code == 5, failed.output
    assert _version(src) == "1.2.3"  # so the same command retries 1.2.4, not 1.2.5
    assert (out / f"{PUBLISHER}.{EXTENSION}-1.2.4.vsix").is_file()

    retried = adoext("publish", "--root", str(src), "--rev-version", "--output-path", f"{out}/")

    assert retried.exit_code == 0, retried.output
    assert _version(src) == "1.2.4"
    assert [v.version for v in marketplace.extensions[(PUBLISHER, EXTENSION)].versions] == ["1.2.4"]


def test_rev_version_is_written_back_when_the_uploaded_version_fails_validation(
    adoext: Adoext, tmp_path: Path, marketplace: MarketplaceState
) -> None:
    src = write_extension(tmp_path / "src")
    marketplace.validation_failure = "Extension icon is missing."

    result = adoext("publish", "--root", str(src), "--rev-version", "--output-path", f"{tmp_path}/")

    assert result.exit_code == 8, result.output
    assert _version(src) == "1.2.4"  # the Marketplace holds 1.2.4 now: the next try must be 1.2.5
