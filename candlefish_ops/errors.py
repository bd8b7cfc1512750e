"""The one error hierarchy of candlefish: every failure a user can see is a CandlefishError.

The CLI's single handler prints `str(error)` as one line on stderr and exits with `exit_code`.
"""


class CandlefishError(Exception):
    """Base class: a message a user can act on, and the process exit code."""

    exit_code = 1


class ConfigError(CandlefishError):
    """The configuration is missing or invalid (the message names the file and key)."""


class ValidationError(CandlefishError):
    """User input (an argument, an address, a record) is invalid; nothing was changed."""


class CredentialsError(CandlefishError):
    """AWS credentials are missing, expired or rejected."""


class AwsSetupError(CredentialsError):
    """The AWS setup on this machine is unusable (profile, SSO session, config file, endpoint URL,
    region, retry settings): nothing can run, so a deploy stops at once instead of failing stack by stack."""


class AwsError(CandlefishError):
    """An AWS call failed in a way candlefish cannot recover from."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class ConflictError(AwsError):
    """A concurrent change got in the way (lock token, ETag, change batch)."""


class NotFoundError(AwsError):
    """The AWS resource candlefish expected does not exist."""


class Aborted(CandlefishError):
    """The user declined a confirmation, or a non-interactive run lacked --yes."""


class EmulatorError(CandlefishError):
    """The embedded AWS emulator could not start or is missing (install the `local` extra)."""
