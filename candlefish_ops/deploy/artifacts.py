"""The environment's artifacts bucket, one per region: templates over 51,200 bytes, Lambda@Edge packages
and release records. Named by `artifacts_bucket`, else PROJECT-ENV-cfn-ACCOUNT-REGION; created private and
encrypted on first use."""

from __future__ import annotations

import threading

from candlefish_ops.config import Environment


class ArtifactsStore:
    def __init__(self, session, environment: Environment) -> None:
        self._session = session
        self._environment = environment
        self._buckets: dict[str, str] = {}
        self._lock = threading.Lock()
        self._account = ""

    def s3(self, region: str):
        from candlefish_ops.aws.s3 import S3

        return S3(self._session, region)

    def bucket(self, region: str, create: bool = True) -> str:
        """The region's bucket name; made when missing unless `create` is false."""
        with self._lock:
            if region not in self._buckets:
                name = self.bucket_name(region)
                if create:
                    self.s3(region).ensure_private_bucket(name)
                    self._buckets[region] = name
                return name
            return self._buckets[region]

    def bucket_name(self, region: str) -> str:
        from candlefish_ops.aws.session import caller_identity

        env = self._environment
        if env.artifacts_bucket:
            return env.artifacts_bucket
        self._account = self._account or caller_identity(self._session)["account"]
        return f"{env.project}-{env.name}-cfn-{self._account}-{region}"

    def template_url(self, target) -> str:
        """Upload a stack's template (content-addressed) and return the URL CloudFormation reads."""
        bucket = self.bucket(target.region)
        key = f"templates/{target.key}/{target.template.sha256}.yaml"
        return self.s3(target.region).put_text(bucket, key, target.template.body)
