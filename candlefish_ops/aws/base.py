"""Client construction (adaptive retries), error translation and API-call counting for the aws modules."""

from __future__ import annotations

import os
import threading
import weakref
from collections import Counter
from contextlib import contextmanager
from typing import Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConfigParseError,
    EndpointConnectionError,
    InvalidConfigError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)

from candlefish_ops.echo import redact
from candlefish_ops.errors import AwsError, AwsSetupError, ConflictError, CredentialsError, NotFoundError

# Adaptive mode: client-side rate limiting on throttling. The attempt count follows the standard chain
# (AWS_MAX_ATTEMPTS, the config file), so operators and tests can tune it. A fresh Config per client:
# botocore writes the resolved attempt count into the `retries` dict it is given, so a shared one
# would keep the first value read for the rest of the process.
def retry_config() -> Config:
    return Config(retries={"mode": "adaptive"}, connect_timeout=10, read_timeout=60)

_CLIENT_LOCK = threading.Lock()
_CREDENTIAL_CODES = {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
                     "InvalidAccessKeyId", "SignatureDoesNotMatch", "AuthFailure", "RequestExpired"}
_NOT_FOUND_CODES = {"NoSuchEntity", "NoSuchBucket", "NoSuchKey", "ResourceNotFoundException",
                    "WAFNonexistentItemException", "NoSuchHostedZone", "NoSuchDistribution", "NotFoundException"}
_CONFLICT_CODES = {"WAFOptimisticLockException", "PreconditionFailed", "PriorRequestNotComplete",
                   "ConditionalCheckFailedException"}


# The clients made so far, per session: one per (service, region, pool, AWS_* environment). Making a client
# loads and builds its service model (~20-40 ms each, ~100 ms for ec2), a large part of a short command's AWS
# time. A made client is safe to share between threads, making one from a session is not, hence the lock;
# changing a shared client's `meta` (e.g. registering event handlers) is not thread-safe either, so only
# CallCounter does it, before the work it counts starts
# (https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html#multithreading-or-multiprocessing-with-clients).
# The AWS_* variables are in the key because a client reads them (endpoint, attempts) only when it is made.
_CLIENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def client(session: boto3.Session, service: str, region: str | None = None, pool: int | None = None):
    """The session's client of `service` in `region`, with candlefish's retry policy, made once and shared by
    every caller (boto3 sessions are not thread-safe for making it); `pool`: HTTP connections for a client
    shared by that many threads (botocore keeps 10 by default)."""
    key = (service, region or session.region_name, pool,
           frozenset((name, value) for name, value in os.environ.items() if name.startswith("AWS_")))
    with _CLIENT_LOCK:
        made = _CLIENTS.setdefault(session, {})
        if key not in made:
            made[key] = _new_client(session, service, region, pool)
        return made[key]


def _new_client(session: boto3.Session, service: str, region: str | None, pool: int | None):
    config = retry_config()
    if pool:
        config = config.merge(Config(max_pool_connections=pool))
    with aws_errors(f"setting up the {service} client"):
        try:
            return session.client(service, region_name=region, config=config)
        except ValueError as error:  # botocore's answer to a setting it cannot use
            raise AwsSetupError(f"setting up the {service} client: {error}; {_value_fix(error)}") from error


def made_clients(session: boto3.Session) -> list:
    """The clients `client()` made for this session so far."""
    with _CLIENT_LOCK:
        return list(_CLIENTS.get(session, {}).values())


def _value_fix(error: ValueError) -> str:
    if "endpoint" in str(error).lower():
        return "AWS_ENDPOINT_URL must be a URL such as http://127.0.0.1:4566, or unset it to reach AWS"
    return "check the AWS_* environment variables and ~/.aws/config (AWS_MAX_ATTEMPTS is a whole number)"


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def translate(error: Exception, action: str) -> Exception:
    """Turn a botocore exception into the matching CandlefishError, with what was being done."""
    configuration = _configuration_error(error, action)
    if configuration is not None:
        return configuration
    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return CredentialsError(f"{action}: no usable AWS credentials ({error}); set AWS_PROFILE or run "
                                "`aws sso login`, or use --local for the embedded emulator")
    if isinstance(error, NoRegionError):
        return AwsSetupError(f"{action}: no AWS region configured; set AWS_REGION (e.g. export AWS_REGION=us-east-1) "
                        "or `region` in the environment file")
    if isinstance(error, EndpointConnectionError):
        return AwsError(f"{action}: cannot reach AWS at {redact(str(error.kwargs.get('endpoint_url')))}; check the "
                        "network or AWS_ENDPOINT_URL")
    if isinstance(error, ClientError):
        return _translate_client_error(error, action)
    return AwsError(f"{action}: {error}")


def _configuration_error(error: Exception, action: str) -> Exception | None:
    """The local AWS setup is wrong (profile, SSO session, config file): say what to run."""
    if isinstance(error, ProfileNotFound):
        profile = error.kwargs.get("profile", "")
        return AwsSetupError(f"{action}: AWS profile {profile!r} (AWS_PROFILE) is not in ~/.aws/config; "
                                "`aws configure list-profiles` lists the profiles, `aws configure sso --profile "
                                f"{profile}` adds it, or unset AWS_PROFILE")
    if isinstance(error, (SSOTokenLoadError, UnauthorizedSSOTokenError, SSOError, TokenRetrievalError)):
        profile = os.environ.get("AWS_PROFILE")
        login = f"aws sso login --profile {profile}" if profile else "aws sso login"
        return AwsSetupError(f"{action}: the AWS SSO session has expired or was never started; "
                                f"run `{login}` and retry")
    if isinstance(error, ConfigParseError):
        return AwsSetupError(f"{action}: cannot parse the AWS config file {error.kwargs.get('path', '')}; "
                                "fix its syntax (AWS_CONFIG_FILE names another file)")
    if isinstance(error, InvalidConfigError):
        return AwsSetupError(f"{action}: the AWS configuration is invalid ({error}); fix ~/.aws/config "
                                "or the AWS_* environment variables")
    return None


def _translate_client_error(error: ClientError, action: str) -> Exception:
    code = error_code(error)
    message = error.response.get("Error", {}).get("Message", "") or str(error)
    if code in _CREDENTIAL_CODES:
        return CredentialsError(f"{action}: AWS rejected the credentials ({code}: {message}); refresh them "
                                "(e.g. `aws sso login`) and retry")
    kind = NotFoundError if code in _NOT_FOUND_CODES else ConflictError if code in _CONFLICT_CODES else AwsError
    return kind(f"{action}: {code or 'error'}: {message}", code)


@contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Re-raise any botocore failure inside the block as a CandlefishError."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise translate(error, action) from error


class CallCounter:
    """Counts the API calls a session makes, by `service.Operation` (benchmarks and reports use it). Make it
    before the calls it counts start (it registers on the session's clients already made)."""

    def __init__(self, session: boto3.Session) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        session.events.register("before-call", self._count)
        for made in made_clients(session):  # a client copies the session's handlers when it is made
            made.meta.events.register("before-call", self._count)

    def _count(self, model, **_kwargs) -> None:
        with self._lock:
            self.calls[f"{model.service_model.service_name}.{model.name}"] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())
