"""Glue between the CLI and the engine: build the plan, the executor and the artifacts store, run."""

from __future__ import annotations

from candlefish_ops.config import Environment
from candlefish_ops.deploy.executor import DeployExecutor, DeployHooks, DeployReport
from candlefish_ops.deploy.planner import DeployPlan, StackTarget
from candlefish_ops.errors import CredentialsError


def check_account(session, environment: Environment) -> None:
    """Refuse to touch an account other than the one the config names."""
    if environment.account_id is None:
        return
    from candlefish_ops.aws.session import caller_identity

    account = caller_identity(session)["account"]
    if account != environment.account_id:
        raise CredentialsError(f"these credentials are for account {account}, but {environment.file} says "
                               f"account_id {environment.account_id}; switch AWS_PROFILE")


def artifacts_uploader(session, environment: Environment):
    """Upload a template to the environment's artifacts bucket (created on first use); return its URL."""
    from candlefish_ops.aws.s3 import S3
    from candlefish_ops.aws.session import caller_identity

    buckets: dict[str, str] = {}

    def upload(target: StackTarget) -> str:
        if target.region not in buckets:
            name = environment.artifacts_bucket or (
                f"{environment.project}-{environment.name}-cfn-{caller_identity(session)['account']}-{target.region}")
            S3(session, target.region).ensure_private_bucket(name)
            buckets[target.region] = name
        key = f"templates/{target.key}/{target.template.sha256}.yaml"
        return S3(session, target.region).put_text(buckets[target.region], key, target.template.body)

    return upload


def run_deploy(session, environment: Environment, plan: DeployPlan, hooks: DeployHooks, *, assume_yes: bool,
               parallel: int, recreate_failed: bool, wait_timeout: float = 1800) -> DeployReport:
    executor = DeployExecutor(session, environment, hooks, assume_yes=assume_yes, parallel=parallel,
                              recreate_failed=recreate_failed, wait_timeout=wait_timeout,
                              artifacts=artifacts_uploader(session, environment))
    return executor.run(plan)
