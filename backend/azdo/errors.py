"""Errors raised while talking to Azure DevOps.

    AzureDevOpsError                 anything that went wrong calling Azure DevOps
    ├── AzureDevOpsAuthFailed        401/403, a 203 sign-in page or any non-JSON answer
    ├── AzureDevOpsUnavailable       5xx, 429 after the retry budget, timeouts, connection errors
    ├── AzureDevOpsNotFound          404 (e.g. linking a work item that does not exist)
    ├── AzureDevOpsRequestRejected   any other 4xx (our request was wrong)
    └── AzureDevOpsUnexpectedAnswer  a served JSON answer of a shape the client cannot read

Callers in the web layer map these to `UpstreamError` responses; the outbox worker decides from
`retryable` whether to try again later or mark the row failed.
"""

from __future__ import annotations


class AzureDevOpsError(Exception):
    """Base class for every failure of an Azure DevOps call."""

    code = "azure_devops_error"
    retryable = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class AzureDevOpsAuthFailed(AzureDevOpsError):
    """Azure DevOps refused our credentials or answered with a sign-in page."""

    code = "azure_devops_auth_failed"


class AzureDevOpsUnavailable(AzureDevOpsError):
    """Azure DevOps is down, overloaded, rate-limiting or unreachable."""

    code = "azure_devops_unavailable"
    retryable = True


class AzureDevOpsNotFound(AzureDevOpsError):
    """The requested Azure DevOps resource does not exist."""

    code = "azure_devops_not_found"


class AzureDevOpsRequestRejected(AzureDevOpsError):
    """Azure DevOps rejected the request as invalid."""

    code = "azure_devops_request_rejected"


class AzureDevOpsUnexpectedAnswer(AzureDevOpsError):
    """A served answer whose JSON is not the documented shape (a proxy's, a changed API): tried again."""

    code = "azure_devops_unexpected_answer"
    retryable = True
