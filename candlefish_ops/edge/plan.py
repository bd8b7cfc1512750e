"""What an edge release changes, function by function (pure: packages against the deployed parameters)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from candlefish_ops.edge.functions import EdgeFunction


@dataclass(frozen=True)
class FunctionChange:
    name: str
    key: str            # content-addressed S3 key of the package
    new_sha: str        # CodeSha256 (base64) of the package
    old_sha: str        # CodeSha256 the edge stack has now ("" before the first release)
    size: int
    limit: int

    @property
    def status(self) -> str:
        return "new" if not self.old_sha else "unchanged" if self.old_sha == self.new_sha else "changed"

    def line(self) -> str:
        size = f"{self.size / 1024:,.0f} KiB of {self.limit // (1024 * 1024)} MiB"
        if self.status == "changed":
            return f"{self.name}: changed {self.old_sha} -> {self.new_sha} ({size})"
        return f"{self.name}: {self.status} {self.new_sha} ({size})"

    def to_dict(self) -> dict:
        return {"function": self.name, "status": self.status, "code_sha256": self.new_sha,
                "previous_code_sha256": self.old_sha, "s3_key": self.key, "size": self.size, "limit": self.limit}


@dataclass(frozen=True)
class Artifact:
    """A package as the release needs it: where it is (or goes) and its hash."""

    function: EdgeFunction
    key: str
    code_sha256: str
    size: int


def release_changes(artifacts: Sequence[Artifact], deployed: Mapping[str, str]) -> tuple[FunctionChange, ...]:
    """Each package against the edge stack's current parameters (`deployed`: parameter -> value)."""
    return tuple(FunctionChange(a.function.name, a.key, a.code_sha256, deployed.get(a.function.sha_parameter, ""),
                                a.size, a.function.limit) for a in artifacts)


def release_parameters(bucket: str, artifacts: Sequence[Artifact]) -> dict[str, str]:
    """The edge stack parameters that carry the release (bucket, and each function's key and hash)."""
    from candlefish_ops.edge.functions import ARTIFACTS_PARAMETER

    parameters = {ARTIFACTS_PARAMETER: bucket}
    for artifact in artifacts:
        parameters[artifact.function.key_parameter] = artifact.key
        parameters[artifact.function.sha_parameter] = artifact.code_sha256
    return parameters
