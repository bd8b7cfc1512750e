"""Client construction (adaptive retries), error translation and API-call counting for the aws modules."""

from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager
from typing import Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    TokenRetrievalError,
)

from candlefish_ops.errors import AwsError, ConflictError, CredentialsError, NotFoundError

# Adaptive mode: client-side rate limiting on throttling. The attempt count follows the standard chain
# (AWS_MAX_ATTEMPTS, the config file), so operators and tests can tune it.
RETRY_CONFIG = Config(retries={"mode": "adaptive"}, connect_timeout=10, read_timeout=60)

_CLIENT_LOCK = threading.Lock()
_CREDENTIAL_CODES = {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
                     "InvalidAccessKeyId", "SignatureDoesNotMatch", "AuthFailure", "RequestExpired"}
_NOT_FOUND_CODES = {"NoSuchEntity", "NoSuchBucket", "NoSuchKey", "ResourceNotFoundException",
                    "WAFNonexistentItemException", "NoSuchHostedZone", "NoSuchDistribution", "NotFoundException"}
_CONFLICT_CODES = {"WAFOptimisticLockException", "PreconditionFailed", "PriorRequestNotComplete",
                   "ConditionalCheckFailedException"}


def client(session: boto3.Session, service: str, region: str | None = None, pool: int | None = None):
    """A client with candlefish's retry policy (boto3 sessions are not thread-safe for this); `pool`: HTTP
    connections for a client shared by that many threads (botocore keeps 10 by default)."""
    config = RETRY_CONFIG.merge(Config(max_pool_connections=pool)) if pool else RETRY_CONFIG
    with _CLIENT_LOCK:
        return session.client(service, region_name=region, config=config)


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def translate(error: Exception, action: str) -> Exception:
    """Turn a botocore exception into the matching CandlefishError, with what was being done."""
    if isinstance(error, (NoCredentialsError, PartialCredentialsError, TokenRetrievalError)):
        return CredentialsError(f"{action}: no usable AWS credentials ({error}); set AWS_PROFILE or run "
                                "`aws sso login`, or use --local for the embedded emulator")
    if isinstance(error, NoRegionError):
        return AwsError(f"{action}: no AWS region configured; set AWS_REGION or the config's region")
    if isinstance(error, EndpointConnectionError):
        return AwsError(f"{action}: cannot reach AWS at {error.kwargs.get('endpoint_url')}; check the network "
                        "or AWS_ENDPOINT_URL")
    if isinstance(error, ClientError):
        return _translate_client_error(error, action)
    return AwsError(f"{action}: {error}")


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
    """Counts the API calls a session makes, by `service.Operation` (benchmarks and reports use it)."""

    def __init__(self, session: boto3.Session) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        session.events.register("before-call", self._count)

    def _count(self, model, **_kwargs) -> None:
        with self._lock:
            self.calls[f"{model.service_model.service_name}.{model.name}"] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())
