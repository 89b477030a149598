"""Publish a checked VSIX: look it up, create or update it, wait for validation, share it.

Unlike tfx, the first lookup tells "not published" (404) from "not allowed" (401/403) and from any other
failure, so a bad credential is reported as such instead of ending in a confusing failed create.
Waiting uses an injected clock and sleep, so tests drive time instead of waiting for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from adoext.errors import MarketplaceError, ValidationRejected, ValidationTimeout
from adoext.marketplace.client import FLAGS_VERSIONS, MarketplaceClient, describe_request
from adoext.marketplace.models import ERROR, PENDING, SUCCESS, VersionInfo, parse_extension
from adoext.marketplace.preflight import LocalVsix

# tfx: first check after 1 s, then every 2 s for private and 15 s for public extensions.
FIRST_POLL_DELAY = 1.0
PRIVATE_POLL_INTERVAL = 2.0
PUBLIC_POLL_INTERVAL = 15.0
# tfx waits 120 × 2 s (private) and "up to 20 minutes" (public).
PRIVATE_VALIDATION_TIMEOUT = 240.0
PUBLIC_VALIDATION_TIMEOUT = 1200.0

Echo = Callable[[str], None]


@dataclass(frozen=True)
class PollPolicy:
    """How long and how often to ask for the validation result."""

    timeout: float
    interval: float
    first_delay: float = FIRST_POLL_DELAY

    @staticmethod
    def for_extension(is_public: bool, timeout: float | None, interval: float | None) -> PollPolicy:
        """Use the given values, or tfx's defaults for a public or private extension."""
        default_timeout = PUBLIC_VALIDATION_TIMEOUT if is_public else PRIVATE_VALIDATION_TIMEOUT
        default_interval = PUBLIC_POLL_INTERVAL if is_public else PRIVATE_POLL_INTERVAL
        chosen = default_interval if interval is None else interval
        return PollPolicy(
            timeout=default_timeout if timeout is None else timeout,
            interval=chosen,
            # Never wait longer for the first check than for the others.
            first_delay=min(FIRST_POLL_DELAY, chosen),
        )


@dataclass(frozen=True)
class Clock:
    """Time as the poller sees it; tests pass a fake one."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class PublishPlan:
    """What to publish and what to do afterwards."""

    vsix: LocalVsix
    wait: bool
    poll: PollPolicy
    share_with: tuple[str, ...] = ()


def publish(
    client: MarketplaceClient, plan: PublishPlan, clock: Clock, echo: Echo, progress: Echo,
    version_taken: Callable[[], None] | None = None,
) -> str:
    """Create or update the extension; return "created" or "updated".

    `version_taken` runs once the package's version exists on the Marketplace (the upload was accepted,
    or it was published before): `publish --rev-version` writes the bumped version back then, and not
    after a failure that left the version free, so running the same command again retries it.
    """
    ident = plan.vsix.identity
    name = plan.vsix.full_name
    taken = version_taken or (lambda: None)
    existing = client.get_extension(ident.publisher, ident.extension_id, flags=FLAGS_VERSIONS)
    create = existing is None
    if existing is not None and parse_extension(existing).find(ident.version) is not None:
        taken()
        raise MarketplaceError(
            f"{name} {ident.version} is already published; raise the version (e.g. `adoext package "
            "--rev-version`) and publish again."
        )
    echo(f"{name} is not published yet; creating it." if create else f"{name} exists; updating it.")
    request = client.build_upload(
        plan.vsix.data, publisher=ident.publisher, extension=ident.extension_id, create=create
    )
    client.send(request, f"{'create' if create else 'update'} {name}")
    taken()
    echo(f"Uploaded {name} {ident.version} ({len(plan.vsix.data):,} bytes).")
    if plan.wait:
        wait_for_validation(
            client, ident.publisher, ident.extension_id, ident.version, plan.poll, clock, progress
        )
        echo(f"{name} {ident.version} passed the Marketplace's validation.")
    else:
        echo(f"Not waiting for validation; check it with `adoext isvalid --vsix {plan.vsix.path}`.")
    for org in plan.share_with:
        client.send(client.build_share(ident.publisher, ident.extension_id, org, share=True), f"share {name}")
        echo(f"Shared {name} with {org}.")
    return "created" if create else "updated"


def print_publish_plan(client: MarketplaceClient, plan: PublishPlan, auth_scheme: str, echo: Echo) -> None:
    """Print every request publish would send, sending none (``--dry-run``)."""
    ident = plan.vsix.identity
    pub, ext = ident.publisher, ident.extension_id
    echo("Dry run: nothing is sent. publish would send:")
    echo(describe_request(client.build_get(pub, ext, flags=FLAGS_VERSIONS), auth_scheme))
    echo("then, if that answers 404 (not published yet):")
    echo(describe_request(client.build_upload(plan.vsix.data, publisher=pub, extension=ext, create=True),
                          auth_scheme))
    echo("or, if the extension exists:")
    echo(describe_request(client.build_upload(plan.vsix.data, publisher=pub, extension=ext, create=False),
                          auth_scheme))
    if plan.wait:
        echo(f"then, every {plan.poll.interval:g}s for up to {plan.poll.timeout:g}s until validated:")
        request = client.build_get(pub, ext, flags=FLAGS_VERSIONS, version=ident.version)
        echo(describe_request(request, auth_scheme))
    for org in plan.share_with:
        echo(describe_request(client.build_share(pub, ext, org, share=True), auth_scheme))


def validation_state(
    client: MarketplaceClient, publisher: str, extension: str, version: str | None
) -> VersionInfo:
    """Return the validation state of one version (the newest when none is given)."""
    body = client.get_extension(publisher, extension, flags=FLAGS_VERSIONS, version=version)
    if body is None:
        raise MarketplaceError(f"{publisher}.{extension} is not published.")
    info = parse_extension(body)
    found = info.find(version) if version else info.newest()
    if found is None:
        what = f"version {version}" if version else "any version"
        raise MarketplaceError(f"{publisher}.{extension} has no {what} on the Marketplace.")
    return found


def wait_for_validation(
    client: MarketplaceClient,
    publisher: str,
    extension: str,
    version: str,
    policy: PollPolicy,
    clock: Clock,
    progress: Echo,
) -> VersionInfo:
    """Poll until the version is validated, rejected, or the timeout passes."""
    name = f"{publisher}.{extension} {version}"
    started = clock.now()
    clock.sleep(min(policy.first_delay, policy.timeout))
    check = 0
    while True:
        check += 1
        state = _poll_once(client, publisher, extension, version)
        elapsed = clock.now() - started
        progress(f"Validating {name}: {state.status} (check {check}, {elapsed:.0f}s)")
        if state.status == SUCCESS:
            return state
        if state.status == ERROR:
            raise ValidationRejected(f"The Marketplace rejected {name}: {state.message}")
        remaining = policy.timeout - elapsed
        if remaining <= 0:
            raise ValidationTimeout(
                f"{name} was still pending validation after {policy.timeout:g}s; check it later with "
                f"`adoext isvalid --publisher {publisher} --extension-id {extension} --version {version}` "
                "or wait longer with --validation-timeout."
            )
        clock.sleep(min(policy.interval, remaining))


def _poll_once(client: MarketplaceClient, publisher: str, extension: str, version: str) -> VersionInfo:
    body = client.get_extension(publisher, extension, flags=FLAGS_VERSIONS, version=version)
    # Right after an upload the version may not be visible yet: that is "pending", not an error.
    found = parse_extension(body).find(version) if body is not None else None
    return found or VersionInfo(version=version, status=PENDING)
