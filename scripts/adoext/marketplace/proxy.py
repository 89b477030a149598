"""An httpx transport that honours HTTP_PROXY / HTTPS_PROXY / NO_PROXY like a default httpx client.

httpx only reads proxy variables when it builds its own transport; ours is wrapped for retries, so
without this a build agent behind a corporate proxy could not reach the Marketplace at all.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Mapping

import httpx

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class EnvProxyTransport(httpx.BaseTransport):
    """Send each request directly or through the proxy the environment names for its scheme."""

    def __init__(
        self,
        proxies: Mapping[str, str] | None = None,
        bypass: Callable[[str], bool] | None = None,
    ) -> None:
        found = urllib.request.getproxies() if proxies is None else proxies
        self._proxies = {scheme: url for scheme, url in found.items() if scheme in ("http", "https")}
        self._bypass = bypass or _bypass_from_environment
        self._direct = httpx.HTTPTransport()
        self._proxied: dict[str, httpx.HTTPTransport] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send through the right route."""
        return self._route(request.url).handle_request(request)

    def close(self) -> None:
        """Close every route."""
        self._direct.close()
        for transport in self._proxied.values():
            transport.close()

    def _route(self, url: httpx.URL) -> httpx.HTTPTransport:
        proxy = self._proxies.get(url.scheme)
        # A proxy can never reach this machine's loopback, so local emulators always go direct.
        if not proxy or url.host in LOOPBACK_HOSTS or self._bypass(url.host):
            return self._direct
        if proxy not in self._proxied:
            self._proxied[proxy] = httpx.HTTPTransport(proxy=proxy)
        return self._proxied[proxy]


def _bypass_from_environment(host: str) -> bool:
    """Apply NO_PROXY (stdlib rules: suffix match, ``*`` for all; system settings on macOS/Windows)."""
    return bool(urllib.request.proxy_bypass(host))
