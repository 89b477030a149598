"""Shared command-line plumbing for the Marketplace commands: options, runtime seams, one HTTP session.

``Runtime`` holds what tests replace (transport, credential, clock, stdin); the CLI passes one as the
Click context object, and the real defaults are used otherwise. Nothing here touches the network
until a command runs, so ``--help`` never does.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import click
import httpx

from adoext import __version__
from adoext.cli.params import check_sendable_params
from adoext.cli.tfx_options import TfxStyleCommand
from adoext.errors import ToolError
from adoext.marketplace.auth import (
    AUTH_KINDS,
    AuthChoice,
    AuthRequest,
    CredentialFactory,
    default_credential,
    resolve_auth,
)
from adoext.marketplace.client import DEFAULT_TIMEOUT, MarketplaceClient, ServiceTarget
from adoext.marketplace.preflight import read_identity
from adoext.marketplace.proxy import LOOPBACK_HOSTS, EnvProxyTransport
from adoext.marketplace.publish import Clock
from adoext.marketplace.retry import RetryPolicy, RetryTransport
from adoext.package.model import VsixIdentity

AnyFunc = Callable[..., Any]


@dataclass(frozen=True)
class Runtime:
    """The outside world as the commands see it; tests inject their own."""

    transport: httpx.BaseTransport | None = None
    credential_factory: CredentialFactory = default_credential
    clock: Clock = field(default_factory=Clock)
    stdin: TextIO | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True)
class ServiceOptions:
    """Where to send requests and with which credential."""

    service_url: str | None
    service_kind: str
    auth: AuthRequest


@dataclass(frozen=True)
class ExtensionRef:
    """Which extension a command acts on."""

    publisher: str
    extension_id: str
    version: str | None = None

    @property
    def full_name(self) -> str:
        """Return ``publisher.extension``."""
        return f"{self.publisher}.{self.extension_id}"


@dataclass
class Session:
    """An open HTTP client with its credential, for one command run."""

    http: httpx.Client
    client: MarketplaceClient
    auth: AuthChoice
    runtime: Runtime


class MarketplaceCommand(TfxStyleCommand):
    """Also take tfx's space-separated organization lists (``--share-with a b``)."""

    variadic_flags = (*TfxStyleCommand.variadic_flags, "--share-with", "--unshare-with", "--org")

    def invoke(self, ctx: click.Context) -> Any:
        """Refuse option text a request cannot carry before the command does anything."""
        check_sendable_params(ctx)
        return super().invoke(ctx)


def current_runtime() -> Runtime:
    """Return the injected Runtime, or the real one."""
    ctx = click.get_current_context(silent=True)
    found = ctx.find_object(Runtime) if ctx is not None else None
    return found if found is not None else Runtime()


def warn(message: str) -> None:
    """Print a warning on standard error."""
    click.echo(message, err=True)


def service_options(func: AnyFunc) -> AnyFunc:
    """Add --service-url, --service-kind, --auth, --token and --token-stdin; pass them as ``service``."""

    @functools.wraps(func)
    def wrapper(
        *args: Any, service_url: str | None, service_kind: str, auth: str, token: str | None,
        token_stdin: bool, **kwargs: Any,
    ) -> Any:
        service = ServiceOptions(service_url, service_kind, AuthRequest(auth, token, token_stdin))
        return func(*args, service=service, **kwargs)

    options = [
        click.option("--service-url", envvar="ADOEXT_SERVICE_URL", metavar="URL",
                     help="Marketplace host or Azure DevOps Server collection [default: the Marketplace]."),
        click.option("--service-kind", type=click.Choice(["auto", "marketplace", "server"]), default="auto",
                     show_default=True, envvar="ADOEXT_SERVICE_KIND",
                     help="API dialect; auto = Marketplace for marketplace.visualstudio.com, else Server."),
        click.option("--auth", "--auth-type", "auth", type=click.Choice(AUTH_KINDS), default="auto",
                     show_default=True, envvar="ADOEXT_AUTH",
                     help="pat: a PAT from ADOEXT_PAT/AZURE_DEVOPS_EXT_PAT or --token-stdin; entra: "
                          "DefaultAzureCredential; auto: a PAT if one is given, else Entra."),
        click.option("--token", "-t", metavar="TOKEN",
                     help="The token itself (tfx compatibility; it lands in shell history - avoid)."),
        click.option("--token-stdin", is_flag=True, help="Read the token from the first line of stdin."),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def identity_options(func: AnyFunc) -> AnyFunc:
    """Add --vsix, --publisher and --extension-id; pass the resolved extension as ``ref``."""

    @functools.wraps(func)
    def wrapper(
        *args: Any, vsix: Path | None, publisher: str | None, extension_id: str | None,
        no_prompt: bool, no_color: bool, **kwargs: Any,
    ) -> Any:
        return func(*args, ref=resolve_ref(vsix, publisher, extension_id), **kwargs)

    # tfx scripts pass these to every command; accept them so they keep working unchanged.
    wrapper = click.option("--no-color", is_flag=True, help="Accepted for tfx compatibility.")(wrapper)
    wrapper = click.option("--no-prompt", is_flag=True, help="Accepted for tfx compatibility.")(wrapper)
    wrapper = click.option("--extension-id", metavar="ID", help="Extension id (else from --vsix).")(wrapper)
    wrapper = click.option("--publisher", metavar="NAME", help="Publisher (else from --vsix).")(wrapper)
    wrapper = click.option("--vsix", type=click.Path(dir_okay=False, path_type=Path),
                           help="Read publisher, id and version from this package.")(wrapper)
    return wrapper


def resolve_ref(vsix: Path | None, publisher: str | None, extension_id: str | None) -> ExtensionRef:
    """Take the extension from --vsix, or from --publisher and --extension-id (which must agree)."""
    if vsix is not None:
        ident = read_identity(vsix)
        check_matches(ident, publisher, extension_id)
        return ExtensionRef(ident.publisher, ident.extension_id, ident.version)
    if not publisher or not extension_id:
        raise ToolError("Name the extension: --vsix FILE, or both --publisher and --extension-id.")
    return ExtensionRef(publisher, extension_id)


def check_matches(ident: VsixIdentity, publisher: str | None, extension_id: str | None) -> None:
    """Refuse --publisher/--extension-id values that contradict the package."""
    for flag, given, actual in (("--publisher", publisher, ident.publisher),
                                ("--extension-id", extension_id, ident.extension_id)):
        if given is not None and given != actual:
            raise ToolError(f"{flag} {given!r} does not match the package's {actual!r}.")


@contextmanager
def open_session(service: ServiceOptions) -> Iterator[Session]:
    """Resolve the credential and open one HTTP client for the command."""
    runtime = current_runtime()
    target = ServiceTarget.from_options(service.service_url, service.service_kind)
    host = httpx.URL(target.url).host
    if target.url.startswith("http://") and host not in LOOPBACK_HOSTS:
        warn(f"Warning: {target.url} is plain http; the credential will cross the network unencrypted.")
    stdin = runtime.stdin or sys.stdin
    auth = resolve_auth(service.auth, env=os.environ, stdin=stdin,
                        credential_factory=runtime.credential_factory, warn=warn)
    transport = RetryTransport(runtime.transport or EnvProxyTransport(), policy=runtime.retry,
                               sleep=runtime.clock.sleep, notify=warn)
    http = httpx.Client(transport=transport, auth=auth.auth, timeout=DEFAULT_TIMEOUT,
                        headers={"User-Agent": f"adoext/{__version__}"})
    try:
        yield Session(http, MarketplaceClient(http, target, auth.kind), auth, runtime)
    finally:
        http.close()


class Progress:
    """Print progress on stderr: one rewritten line on a terminal, a line per update otherwise."""

    def __init__(self) -> None:
        self._tty = sys.stderr.isatty()
        self._open = False

    def __call__(self, line: str) -> None:
        """Show the newest state."""
        if self._tty:
            click.echo("\r\x1b[K" + line, nl=False, err=True)
            self._open = True
        else:
            click.echo(line, err=True)

    def finish(self) -> None:
        """End a rewritten line so later output starts on its own line."""
        if self._open:
            click.echo("", err=True)
            self._open = False
