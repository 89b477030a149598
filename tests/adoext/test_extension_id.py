"""One extension-id rule, read in one place by `adoext package` and `adoext publish`: an id tfx refuses is
refused by both; an id tfx packages but the Marketplace's rule refuses (a leading '-' or '_') packages with
a warning that says publish will refuse it (an error under --strict), and publish refuses it. Before, the
two commands had two patterns and package said nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from adoext.errors import ValidationFailed
from adoext.marketplace.preflight import read_identity
from adoext.package.api import validate

from tests.adoext.conftest import Ext, base_manifest

ACCEPTED = ["report-bridge", "a", "A1", "x_y", "9lives", "trailing-", "under_"]
# tfx packages these (its /^[A-z0-9_-]+$/ takes [ \\ ] ^ ` too); the Marketplace's rule does not take them.
WARNED = ["-x", "_x", "--", "a^b", "a\\b", "a[b", "a]b", "a`b", "^"]
# tfx refuses these; a trailing newline too, which a Python `$` would let through.
REFUSED = ["a b", "a.b", "ünicode", "a{b", "a\n", "a\nb", "\n", ""]


def packages(ext: Ext, strict: bool = False) -> bool:
    """Return whether the packager's checks accept the extension."""
    try:
        validate(ext.options(strict=strict))
    except ValidationFailed:
        return False
    return True


def publishes(ext: Ext) -> bool:
    """Package with --bypass-validation (written whatever the id), then run publish's pre-flight on it."""
    result = ext.package(bypass_validation=True)
    try:
        read_identity(result.path)
    except ValidationFailed:
        return False
    return True


@pytest.mark.parametrize("ext_id", ACCEPTED + WARNED + REFUSED)
def test_package_and_publish_read_one_rule_for_every_id(make_ext: Callable[..., Ext], ext_id: str) -> None:
    ext = make_ext(base_manifest(id=ext_id))
    good = ext_id in ACCEPTED
    expected = {"packages": ext_id not in REFUSED, "strict": good, "publishes": good}
    found = {"packages": packages(ext), "strict": packages(ext, strict=True), "publishes": publishes(ext)}
    assert found == expected


@pytest.mark.parametrize(("ext_id", "rule"), [("a^b", "may only include letters"), ("_x", "must start with")])
def test_an_id_only_tfx_takes_is_a_warning_that_says_which_rule(
    make_ext: Callable[..., Ext], ext_id: str, rule: str
) -> None:
    warnings = make_ext(base_manifest(id=ext_id)).package().warnings
    [warning] = [str(w) for w in warnings if "extensionId" in str(w)]
    assert f"'extensionId' {rule}" in warning and "tfx packages it, but adoext publish refuses it" in warning


def test_a_leading_dash_packages_with_a_warning_that_names_publish(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(id="-report-bridge"))
    result = ext.package()
    [warning] = [w for w in result.warnings if "extensionId" in str(w)]
    assert "'extensionId' must start with a letter or a number (got '-report-bridge')" in str(warning)
    assert "adoext publish refuses it" in str(warning)
    with pytest.raises(ValidationFailed) as caught:
        make_ext(base_manifest(id="-report-bridge")).package(strict=True, output_path="out/strict.vsix")
    [problem] = caught.value.problems
    assert "must start with a letter or a number" in problem and "$.id" in problem
