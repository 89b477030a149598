"""What adoext and the Report Bridge backend have in common: one home for three concepts they both need.

    retry.py        Retry-After (seconds or an HTTP date), exponential back-off with jitter, and the rule
                    of which answers and requests may be sent again
    credentials.py  a PAT (Basic) or a Microsoft Entra token (Bearer, renewed before it expires) as an
                    httpx.Auth or a token string, for any scope (Azure DevOps, Azure Database for PostgreSQL)
    usage.py        Click's usage errors as one line with exit 2, for both command lines

A leaf: it imports neither `adoext` nor `backend` (an import-linter contract in the root pyproject.toml
holds that), only click, httpx and, when an Entra credential fails, azure-core. It ships inside adoext's
distribution (scripts/pyproject.toml) rather than as a third one, so `pipx install ./scripts` keeps
installing everything adoext needs from one folder, and no unpublished name is ever looked up on an index;
the backend gets it through its dependency on adoext. See docs/architecture.md, "Shared code".
"""
