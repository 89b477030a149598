"""One extension-id rule: an id that `adoext package` accepts is one that `adoext publish` sends, and an
id that publish would refuse is refused when packaging, with the reason (an id starting with '-' used to
package and then fail at publish: two patterns)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from adoext.errors import ValidationFailed
from adoext.marketplace.preflight import read_identity
from adoext.package.api import validate

from tests.adoext.conftest import Ext, base_manifest

ACCEPTED = ["report-bridge", "a", "A1", "x_y", "9lives", "trailing-", "under_"]
REFUSED = ["-x", "_x", "--", "a^b", "a b", "a.b", "ünicode", "a\\b"]


def packages(ext: Ext) -> bool:
    """Return whether the packager's checks accept the extension."""
    try:
        validate(ext.options())
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


@pytest.mark.parametrize("ext_id", ACCEPTED + REFUSED)
def test_package_and_publish_agree_on_every_id(make_ext: Callable[..., Ext], ext_id: str) -> None:
    ext = make_ext(base_manifest(id=ext_id))
    expected = ext_id in ACCEPTED
    assert (packages(ext), publishes(ext)) == (expected, expected)


def test_a_leading_dash_is_refused_when_packaging_with_the_reason(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(id="-report-bridge"))
    with pytest.raises(ValidationFailed) as caught:
        ext.package()
    [problem] = caught.value.problems
    assert "'extensionId' must start with a letter or a number (got '-report-bridge')" in problem
    assert "$.id" in problem and not (ext.root / "out").exists()
