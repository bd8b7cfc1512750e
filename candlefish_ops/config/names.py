"""Globally unique names built from the config: S3 bucket names (3-63 characters, one namespace for all
accounts, https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).

Every bucket the templates name carries the account id (`${Environment}-cf-PURPOSE-${AWS::AccountId}`,
regional buckets also `-${AWS::Region}`), so another account cannot already hold it
(BucketAlreadyExists). The longest is the DR replica's; `tests/unit/templates` renders every template's
bucket names against LONGEST_BUCKET_NAME, so this check and the templates cannot drift apart.
"""

from __future__ import annotations

MAX_BUCKET_NAME = 63
ACCOUNT_ID_LENGTH = 12
LONGEST_BUCKET_NAME = "{env}-cf-backups-replica-{account}-{region}"   # templates/backup-replica.yaml
ARTIFACTS_BUCKET_NAME = "{project}-{env}-cfn-{account}-{region}"     # deploy/artifacts.py default


def bucket_name_problems(project: str, env: str, regions: list[str], artifacts_bucket: str | None) -> list[str]:
    """Why bucket names built from this environment would break S3's length rule ([] when they fit)."""
    region = max(regions, key=len)
    account = "0" * ACCOUNT_ID_LENGTH
    problems = []
    longest = LONGEST_BUCKET_NAME.format(env=env, account=account, region=region)
    if len(longest) > MAX_BUCKET_NAME:
        room = MAX_BUCKET_NAME - (len(longest) - len(env))
        problems.append(f"environment name {env!r} is {len(env)} characters: the bucket names built from it "
                        f"(e.g. {LONGEST_BUCKET_NAME.format(env=env, account='ACCOUNT', region=region)}) would be "
                        f"{len(longest)}, over S3's {MAX_BUCKET_NAME}; use at most {room} characters")
    if artifacts_bucket is None:
        artifacts = ARTIFACTS_BUCKET_NAME.format(project=project, env=env, account=account, region=region)
        if len(artifacts) > MAX_BUCKET_NAME:
            problems.append(f"project and environment names are too long for the artifacts bucket "
                            f"{ARTIFACTS_BUCKET_NAME.format(project=project, env=env, account='ACCOUNT', region=region)} "
                            f"({len(artifacts)} characters, S3 allows {MAX_BUCKET_NAME}); shorten them or set "
                            "artifacts_bucket")
    return problems
