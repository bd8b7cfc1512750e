"""What `candlefish edge serve` serves, read back from what is deployed: the distribution (behaviours,
origins), its policies, and the code of the exact function versions its behaviours associate (each package
downloaded from the artifacts bucket through the edge stack's CodeKey parameters and checked against the
version's CodeSha256 from Lambda; never the repository's files)."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from candlefish_ops.errors import ValidationError

# Pure-Python libraries the Lambda runtime provides (boto3 and what it imports), linked from this Python's
# environment into a directory the workers put after the package on sys.path: a local-only shim for the
# runtime's own boto3 (the packages do not carry it, as Lambda provides it).
RUNTIME_LIBRARIES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3", "certifi")


@dataclass
class Function:
    """One associated function version, unpacked and verified."""

    name: str              # lambdas/ name (viewer_request, ...) or the Lambda function name
    arn: str
    code_sha256: str
    handler: str
    timeout: float         # the version's Timeout, capped by the Lambda@Edge quota of its events
    memory: int
    directory: Path


@dataclass
class Site:
    distribution: object                        # aws.cloudfront.Distribution
    cache_policies: dict[str, dict]
    origin_request_policies: dict[str, dict]
    response_headers_policies: dict[str, dict]
    functions: dict[str, Function]              # by version ARN
    oac_rights: dict[str, set[str]] = field(default_factory=dict)   # bucket -> S3 actions CloudFront may use
    workdir: Path | None = None


def code_sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def load_site(session, deployed, workdir: Path | None = None, progress=lambda text: None) -> Site:
    """Read the deployed edge back: distribution, policies, OAC rights, and the verified packages."""
    from candlefish_ops.aws.cloudfront import CloudFront
    from candlefish_ops.stack_outputs import DISTRIBUTION_ID

    stack = deployed.stack()
    distribution_id = dict(stack.outputs).get(DISTRIBUTION_ID)
    if not distribution_id:
        raise ValidationError(f"stack {stack.name} has no DistributionId output")
    cloudfront = CloudFront(session)
    distribution = cloudfront.distribution(distribution_id)
    progress(f"distribution {distribution.distribution_id}: {len(distribution.behaviours)} behaviours")
    cache, origin_request, response_headers = _policies(cloudfront, distribution)
    workdir = workdir or Path(tempfile.mkdtemp(prefix="candlefish-edge-serve-"))
    functions = _verified_functions(session, stack, _events(distribution), workdir, progress)
    return Site(distribution, cache, origin_request, response_headers, functions, _oac_rights(session, distribution),
                workdir)


def _policies(cloudfront, distribution) -> tuple[dict, dict, dict]:
    """The cache, origin request and response headers policies the behaviours use, each read once."""
    cache, origin_request, response_headers = {}, {}, {}
    for behaviour in distribution.behaviours:
        for wanted, found, read in ((behaviour.cache_policy_id, cache, cloudfront.cache_policy),
                                    (behaviour.origin_request_policy_id, origin_request,
                                     cloudfront.origin_request_policy),
                                    (behaviour.response_headers_policy_id, response_headers,
                                     cloudfront.response_headers_policy)):
            if wanted and wanted not in found:
                found[wanted] = read(wanted).config
    return cache, origin_request, response_headers


def _events(distribution) -> dict[str, set[str]]:
    """Which events each associated version serves (its timeout quota is the tightest of them)."""
    events: dict[str, set[str]] = {}
    for behaviour in distribution.behaviours:
        for association in behaviour.associations:
            events.setdefault(association.function_arn, set()).add(association.event_type)
    return events


def _verified_functions(session, stack, events: dict[str, set[str]], workdir: Path, progress) -> dict[str, Function]:
    """Each associated version with its package from the artifacts bucket, checked against its CodeSha256."""
    from candlefish_ops.aws.lambda_ import Lambda
    from candlefish_ops.aws.s3 import S3
    from candlefish_ops.edge.functions import FUNCTIONS
    from candlefish_ops.edge.releases import EDGE_REGION
    from candlefish_ops.edge.serve.rules import TIMEOUT_LIMIT, side

    outputs, parameters = dict(stack.outputs), dict(stack.parameters)
    lambda_, s3, bucket = Lambda(session, EDGE_REGION), S3(session, EDGE_REGION), parameters.get("ArtifactsBucket", "")
    by_output = {outputs.get(f.version_output): f for f in FUNCTIONS}
    functions: dict[str, Function] = {}
    for arn, used in sorted(events.items()):
        version, known = lambda_.version(arn), by_output.get(arn)
        if known is None:
            raise ValidationError(f"the distribution associates {arn}, which is not the version the edge stack "
                                  f"{stack.name} publishes: redeploy the stack (`candlefish deploy`) or roll back")
        key = parameters.get(known.key_parameter, "")
        data = s3.get_bytes(bucket, key)
        if code_sha256(data) != version.code_sha256:
            raise ValidationError(f"s3://{bucket}/{key} has CodeSha256 {code_sha256(data)}, but {arn} runs "
                                  f"{version.code_sha256}: the package is not the deployed code")
        directory = workdir / version.code_sha256.replace("/", "_").replace("+", "-")
        if not directory.exists():
            zipfile.ZipFile(io.BytesIO(data)).extractall(directory)
        limit = min(TIMEOUT_LIMIT[side(event)] for event in used)
        functions[arn] = Function(known.name, arn, version.code_sha256, version.handler or "handler.handler",
                                  float(min(version.timeout, limit)), version.memory, directory)
        progress(f"{known.name}: version {version.version} ({version.code_sha256[:12]}…, {len(data):,} bytes) "
                 f"verified; {', '.join(sorted(used))}")
    return functions


def _oac_rights(session, distribution) -> dict:
    """What each S3 origin reached through origin access control lets CloudFront do (its bucket policy)."""
    from candlefish_ops.aws.s3 import S3

    oac = {}
    for origin in distribution.origins.values():
        if origin.s3 and origin.access_control_id:
            name = bucket_of(origin.domain_name)
            oac[name] = cloudfront_rights(S3(session, region_of(origin.domain_name)).bucket_policy(name))
    return oac


def bucket_of(domain: str) -> str:
    """The bucket of an S3 origin domain (bucket.s3.region.amazonaws.com, bucket.s3.amazonaws.com)."""
    return domain.split(".s3.", 1)[0].split(".s3-", 1)[0]


def region_of(domain: str) -> str:
    parts = domain.split(".s3.", 1)
    if len(parts) == 2 and parts[1].count(".") >= 2:
        return parts[1].split(".", 1)[0]
    return "us-east-1"


def cloudfront_rights(policy_text: str) -> set[str]:
    """The S3 actions a bucket policy allows the CloudFront service principal (what an OAC may do)."""
    if not policy_text:
        return set()
    document = json.loads(policy_text)
    statements = document.get("Statement") or []
    rights: set[str] = set()
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal") or {}
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        services = [services] if isinstance(services, str) else services
        if statement.get("Effect") != "Allow" or "cloudfront.amazonaws.com" not in services:
            continue
        actions = statement.get("Action") or []
        rights |= {a.lower() for a in ([actions] if isinstance(actions, str) else actions)}
    if "s3:*" in rights:
        rights |= {"s3:getobject", "s3:listbucket"}
    return rights


def runtime_shim(workdir: Path) -> Path:
    """A directory of links to this environment's boto3 and its pure-Python dependencies."""
    shim = workdir / "runtime-shim"
    shim.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_LIBRARIES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        source = Path(spec.origin)
        if source.name == "__init__.py":
            source = source.parent
        target = shim / source.name
        if not target.exists():
            os.symlink(source, target)
    return shim
