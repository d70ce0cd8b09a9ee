"""The package's exceptions, drawn once here.

    HaloAgentError                 anything this package raises on purpose
    ├── ConfigError                bad settings or a bad file: names the file, the field and the problem
    │   └── PolicyFileError        an invalid policy file
    ├── HaloError                  Halo said no, or could not be reached (halo_agent.halo.errors)
    │   ├── HaloAuthError          bad client id/secret, wrong tenant, token refused
    │   ├── HaloPermissionError    403, or a scope the API application lacks
    │   ├── HaloNotFoundError      404: unknown id
    │   ├── HaloValidationError    400 with Halo's field messages
    │   ├── HaloRateLimitedError   429 after the retries ran out
    │   ├── HaloUnavailableError   5xx, timeouts and dropped connections after the retries ran out
    │   │   └── HaloUnreachableError nothing was sent: connection refused, unknown host, bad URL (not retried)
    │   ├── HaloWriteUncertainError a write may or may not have landed and could not be checked
    │   └── HaloUnexpectedResponse an answer whose shape we cannot read
    ├── ModelError                 the chat model endpoint failed (after its own retries)
    └── PendingError               a pause that cannot be acted on (expired, decided, not yours)

Errors the *model* can correct (unknown tool, bad arguments, unknown names) are not exceptions that reach
the caller: the executor turns them into tool results.
"""

from __future__ import annotations

from pathlib import Path


class HaloAgentError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(HaloAgentError):
    """A setting or a settings file is wrong. The message names the source, the field and the problem."""

    def __init__(self, source: str | Path, field: str, problem: str) -> None:
        self.source = str(source)
        self.field = field
        self.problem = problem
        where = f"{self.source}: {field}" if field else self.source
        super().__init__(f"{where}: {problem}")


class PolicyFileError(ConfigError):
    """The policy file is invalid."""


class ModelError(HaloAgentError):
    """The chat model could not be reached or answered with an error."""


class PendingError(HaloAgentError):
    """A pending confirmation or approval cannot be acted on."""
