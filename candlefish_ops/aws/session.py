"""The boto3 Session from the standard chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, SSO, ...)."""

from __future__ import annotations

import weakref

import boto3

from candlefish_ops.aws.base import aws_errors, client


def new_session(region: str | None = None) -> boto3.Session:
    """A session resolved the way the AWS CLI resolves one; `region` only when none is configured."""
    with aws_errors("reading the AWS configuration"):
        session = boto3.Session()
        if session.region_name is None and region:
            session = boto3.Session(region_name=region)
    return session


def caller_identity(session: boto3.Session) -> dict[str, str]:
    """Account and ARN of the caller (also proves the credentials work); asked once per STS client, which
    `client` keeps per session and AWS_* environment, so the gate and the artifacts bucket share one answer."""
    sts = client(session, "sts")
    if sts not in _IDENTITIES:
        with aws_errors("checking AWS credentials"):
            answer = sts.get_caller_identity()
        _IDENTITIES[sts] = {"account": answer["Account"], "arn": answer["Arn"]}
    return dict(_IDENTITIES[sts])


_IDENTITIES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def exported_credentials(session: boto3.Session) -> dict[str, str]:
    """The session's resolved credentials as the AWS_* environment variables a child process reads."""
    credentials = session.get_credentials()
    if credentials is None:
        return {}
    frozen = credentials.get_frozen_credentials()
    exported = {"AWS_ACCESS_KEY_ID": frozen.access_key, "AWS_SECRET_ACCESS_KEY": frozen.secret_key}
    if frozen.token:
        exported["AWS_SESSION_TOKEN"] = frozen.token
    return exported
