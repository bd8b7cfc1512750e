"""The five Lambda@Edge functions: where their sources live, their limits, and their edge-stack names.

Limits are AWS's ("Quotas on Lambda@Edge", CloudFront developer guide): a viewer-trigger package at
most 1 MB zipped, an origin-trigger package at most 50 MB. The runtime is the one templates/edge.yaml
declares; tests/unit/edge checks the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

RUNTIME = "python3.12"
RUNTIME_VERSION = (3, 12)
VIEWER_LIMIT = 1024 * 1024
ORIGIN_LIMIT = 50 * 1024 * 1024
LAMBDAS_DIR = Path(__file__).resolve().parents[2] / "lambdas"
ARTIFACTS_PARAMETER = "ArtifactsBucket"


@dataclass(frozen=True)
class EdgeFunction:
    name: str          # directory under lambdas/, e.g. viewer_request
    resource: str      # prefix of the edge stack's logical ids, parameters and outputs
    viewer: bool       # viewer trigger (1 MB limit, stdlib only)
    lock_file: str = ""  # pinned native wheels (requirements lock under lambdas/<name>/)
    modules: tuple[str, ...] = ()  # further source files under lambdas/<name>/, zipped beside handler.py

    @property
    def limit(self) -> int:
        return VIEWER_LIMIT if self.viewer else ORIGIN_LIMIT

    @property
    def key_parameter(self) -> str:
        return f"{self.resource}CodeKey"

    @property
    def sha_parameter(self) -> str:
        return f"{self.resource}CodeSha256"

    @property
    def version_output(self) -> str:
        return f"{self.resource}VersionArn"

    @property
    def name_output(self) -> str:
        return f"{self.resource}FunctionName"

    def s3_key(self, sha256_hex: str) -> str:
        return f"edge/{self.name}/{sha256_hex}.zip"


FUNCTIONS: tuple[EdgeFunction, ...] = (
    EdgeFunction("viewer_request", "ViewerRequest", viewer=True),
    EdgeFunction("viewer_response", "ViewerResponse", viewer=True),
    EdgeFunction("origin_request", "OriginRequest", viewer=False),
    EdgeFunction("origin_response", "OriginResponse", viewer=False),
    EdgeFunction("image_optimizer", "ImageOptimizer", viewer=False, lock_file="requirements.lock",
                 modules=("fast_paths.py",)),
)
BY_NAME = {function.name: function for function in FUNCTIONS}

# Template parameters the release step supplies (never the environment's config).
RELEASE_PARAMETERS = frozenset({ARTIFACTS_PARAMETER} | {f.key_parameter for f in FUNCTIONS}
                               | {f.sha_parameter for f in FUNCTIONS})


def select(names: list[str] | tuple[str, ...]) -> tuple[EdgeFunction, ...]:
    """The named functions (all when none are named); unknown names are a ValidationError."""
    from candlefish_ops.errors import ValidationError

    unknown = [name for name in names if name not in BY_NAME]
    if unknown:
        raise ValidationError(f"unknown edge function {', '.join(map(repr, unknown))} "
                              f"(functions: {', '.join(BY_NAME)})")
    return tuple(f for f in FUNCTIONS if not names or f.name in names)


def lambdas_dir() -> Path:
    """Where the functions' sources are: CANDLEFISH_LAMBDAS_DIR (a working copy), else the repository's."""
    import os

    return Path(os.environ.get("CANDLEFISH_LAMBDAS_DIR") or LAMBDAS_DIR)
