"""The edge release as a step of the deploy (package -> upload -> stack parameters -> record), and the
reads behind `candlefish edge status / package / prune`.

CloudFormation stays the single owner of the distribution: the release only hands the edge stack the
packages' S3 keys and CodeSha256 as parameters; the stack publishes the versions and moves the
associations in one change set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping

from candlefish_ops.config import Environment
from candlefish_ops.edge.config import EdgeInputs, config_bytes, edge_config, load_base
from candlefish_ops.edge.functions import FUNCTIONS, RUNTIME_VERSION, EdgeFunction, lambdas_dir
from candlefish_ops.edge.package import Package, Packager, cache_dir
from candlefish_ops.edge.plan import Artifact, FunctionChange, release_changes, release_parameters
from candlefish_ops.edge.releases import EDGE_REGION, FunctionRecord, Release, ReleaseLog, new_release
from candlefish_ops.edge.runtime import runtime_python
from candlefish_ops.edge.wheels import WheelCache
from candlefish_ops.errors import ValidationError
from candlefish_ops.stack_outputs import DISTRIBUTION_ID, StackOutputs

# The edge stack's parameters the generated config is made from (templates/edge.yaml).
ALIASES, ORIGINALS, OPTIMIZED, API_ORIGIN, DOMAIN = (
    "Aliases", "UserContentBucketName", "OptimizedImagesBucketName", "ApiOriginDomainName", "DomainName")

OutputsOf = Callable[[str, str], "Mapping[str, str] | None"]


class EdgeRelease:
    """Supplies the release parameters of the edge stack; records each release once deployed."""

    def __init__(self, artifacts, environment: Environment, *, python: str | None = None,
                 wheelhouse: Path | None = None, pinned: Release | None = None, local: bool = False) -> None:
        self._artifacts = artifacts
        self._environment = environment
        self._python = python
        self._wheelhouse = wheelhouse
        self._pinned = pinned
        self._local = local
        self.uploaded: list[str] = []

    def parameters(self, target, deployed: Mapping[str, str], resolved: Mapping[str, str], outputs_of: OutputsOf,
                   upload: bool) -> tuple[dict[str, str], tuple[FunctionChange, ...]]:
        if target.region != EDGE_REGION:
            raise ValidationError(f"stack {target.key} carries Lambda@Edge functions and must be deployed in "
                                  f"{EDGE_REGION}, not {target.region}")
        if self._pinned is not None:
            artifacts = self._pinned_artifacts()
        else:
            artifacts = [_artifact(p) for p in self.packages(target, resolved, outputs_of)]
        bucket = self._artifacts.bucket(EDGE_REGION, create=upload)
        if upload and self._pinned is None:
            self._upload(bucket, [p for p in self._built if deployed.get(p.function.key_parameter) != p.s3_key])
        return release_parameters(bucket, artifacts), release_changes(artifacts, deployed)

    def packages(self, target, resolved: Mapping[str, str], outputs_of: OutputsOf,
                 functions: tuple[EdgeFunction, ...] = FUNCTIONS) -> list[Package]:
        """Build (or take from the cache) the environment's packages; nothing is uploaded."""
        base = load_base(lambdas_dir() / "edge_config.json")
        config = config_bytes(edge_config(base, edge_inputs(self._environment, target, resolved, outputs_of)))
        packager = self._packager()
        self._built = [packager.build(function, config) for function in functions]
        return self._built

    def preflight(self) -> None:
        """Before anything changes: every package builds with the repository's config, imports in the
        runtime's Python, fits its limit (the environment's config only renames, so sizes hold)."""
        packager = self._packager()
        config = config_bytes(load_base(lambdas_dir() / "edge_config.json"))
        for function in FUNCTIONS:
            packager.build(function, config)

    def _packager(self) -> Packager:
        """A packager that looks for the runtime's Python only when a package is not in the cache."""
        return Packager(None, cache_dir(), WheelCache(cache_dir(), self._wheelhouse), lambdas_dir(),
                        find_python=self._runtime_python)

    def _runtime_python(self) -> str | None:
        python = runtime_python(self._python, local_fallback=self._local)
        if python is None and not getattr(self, "_warned", False):
            from candlefish_ops import ui

            self._warned = True
            ui.warn(f"local emulator: no Python {'.'.join(map(str, RUNTIME_VERSION))} here, so the Lambda@Edge "
                    "packages carry sources without bytecode; a deploy to AWS needs that Python")
        return python

    def record(self, target, outputs: Mapping[str, str], changes: tuple[FunctionChange, ...],
               executed: bool) -> str:
        """Write the release record (skipped when nothing was executed and the latest record matches)."""
        functions = {c.name: FunctionRecord(c.key, c.new_sha, outputs.get(_function(c.name).version_output, ""),
                                            c.size) for c in changes}
        log = ReleaseLog(self._artifacts, self._environment.name)
        ids = log.ids()
        release = new_release(functions, len(ids) + 1,
                              note=f"rollback to {self._pinned.release_id}" if self._pinned else "")
        if not executed and ids and release.same_code(log.read(ids[-1])):
            return ""
        log.write(release)
        return release.release_id

    def _pinned_artifacts(self) -> list[Artifact]:
        missing = [f.name for f in FUNCTIONS if f.name not in self._pinned.functions]
        if missing:
            raise ValidationError(f"release {self._pinned.release_id} has no package for {', '.join(missing)}")
        return [Artifact(f, self._pinned.functions[f.name].key, self._pinned.functions[f.name].code_sha256,
                         self._pinned.functions[f.name].size) for f in FUNCTIONS]

    def _upload(self, bucket: str, packages: list[Package]) -> None:
        """Content-addressed: a key that exists already holds these bytes (and the stack's current keys are
        not even checked: CloudFormation re-reads a package only when its key changes)."""
        s3 = self._artifacts.s3(EDGE_REGION)
        for package in packages:
            if not s3.exists(bucket, package.s3_key):
                s3.put_bytes(bucket, package.s3_key, package.data, "application/zip")
                self.uploaded.append(package.s3_key)


def edge_inputs(environment: Environment, target, resolved: Mapping[str, str], outputs_of: OutputsOf) -> EdgeInputs:
    """The names the generated edge_config.json needs, from the edge stack's resolved parameters."""
    from candlefish_ops.deploy.plan import reference_region

    stack = environment.stacks[target.key]
    missing = [name for name in (ALIASES, ORIGINALS, OPTIMIZED, API_ORIGIN) if name not in resolved]
    if missing:
        raise ValidationError(f"{environment.file}: stacks.{target.key}.parameters: the edge release needs "
                              f"{', '.join(missing)}")

    def region_of(name: str) -> str:
        refs = stack.parameters[name].refs
        if not refs:
            return target.region
        return reference_region(refs[0], target.region, environment.stacks[refs[0].stack].regions)

    return EdgeInputs(
        environment=environment.name, domain=environment.domain or resolved.get(DOMAIN, ""),
        aliases=tuple(a.strip() for a in resolved[ALIASES].split(",") if a.strip()),
        originals_bucket=resolved[ORIGINALS], originals_region=region_of(ORIGINALS),
        optimized_bucket=resolved[OPTIMIZED], optimized_region=region_of(OPTIMIZED),
        api_default=resolved[API_ORIGIN], api_by_region=_api_hosts(environment, stack, outputs_of))


def _api_hosts(environment: Environment, stack, outputs_of: OutputsOf) -> dict[str, str]:
    refs = stack.parameters[API_ORIGIN].refs
    if not refs:
        return {}
    ref, hosts = refs[0], {}
    for region in environment.stacks[ref.stack].regions:
        outputs = outputs_of(ref.stack, region) or {}
        if ref.output in outputs:
            hosts[region] = outputs[ref.output]
    return hosts


def _artifact(package: Package) -> Artifact:
    return Artifact(package.function, package.s3_key, package.code_sha256, package.size)


def _function(name: str) -> EdgeFunction:
    return next(f for f in FUNCTIONS if f.name == name)


# -- reads for the `candlefish edge` commands ---------------------------------------------------------------

def edge_stack_key(environment: Environment, wanted: str | None = None) -> str:
    """The stack whose template takes the release parameters (or `wanted`, checked)."""
    from candlefish_ops.deploy.templates import load_template
    from candlefish_ops.edge.functions import RELEASE_PARAMETERS

    keys = [key for key, stack in environment.stacks.items()
            if load_template(stack.template).parameters & RELEASE_PARAMETERS]
    if wanted is not None and wanted not in keys:
        raise ValidationError(f"--stack {wanted!r}: not an edge stack of {environment.name} "
                              f"(edge stacks: {', '.join(keys) or 'none'})")
    if not keys:
        raise ValidationError(f"{environment.file}: no stack's template holds the Lambda@Edge functions")
    return wanted or keys[0]


class DeployedEdge:
    """The edge stack as deployed: its target, resolved parameters and the outputs of what it reads."""

    def __init__(self, session, environment: Environment, key: str) -> None:
        from candlefish_ops.deploy.plan import plan_deploy

        self.session, self.environment = session, environment
        self.target = plan_deploy(environment, (key,), execute=False).targets[0]
        self._stacks = StackOutputs(session, environment)

    def outputs_of(self, key: str, region: str) -> dict[str, str] | None:
        return self._stacks.of(key, region)

    def stack(self):
        stack = self._stacks.stack(self.target.key, self.target.region)
        if stack is None:
            raise ValidationError(f"stack {self.target.stack_name} is not deployed in {self.target.region}: "
                                  f"run `candlefish deploy {self.environment.name}` first")
        return stack

    def resolved(self) -> dict[str, str]:
        from candlefish_ops.deploy.plan import reference_region

        def lookup(ref) -> str:
            region = reference_region(ref, self.target.region, self.environment.stacks[ref.stack].regions)
            outputs = self.outputs_of(ref.stack, region)
            if outputs is None or ref.output not in outputs:
                raise ValidationError(f"{ref}: stack {self.environment.stacks[ref.stack].stack_name} ({region}) "
                                      f"has no output {ref.output!r}: deploy {ref.stack} first")
            return outputs[ref.output]

        return {name: value.resolve(lookup) for name, value in self.target.parameters.items()}


def edge_status(session, deployed: DeployedEdge, local: list[Package]) -> list[dict]:
    """Per function: the associated version, its CodeSha256, where it is used, and whether the local
    sources would package differently."""
    from candlefish_ops.aws.cloudfront import CloudFront
    from candlefish_ops.aws.lambda_ import Lambda

    stack = deployed.stack()
    outputs, parameters = dict(stack.outputs), dict(stack.parameters)
    distribution = outputs.get(DISTRIBUTION_ID)
    if not distribution:
        raise ValidationError(f"stack {stack.name} has no DistributionId output")
    associations = CloudFront(session).distribution(distribution).associations()
    lambda_ = Lambda(session, EDGE_REGION)
    local_sha = {package.function.name: package.code_sha256 for package in local}
    rows = []
    for function in FUNCTIONS:
        arn = outputs.get(function.version_output, "")
        version = lambda_.version(arn) if arn else None
        used = sorted(f"{path} {a.event_type}" for path, a in associations if a.function_arn == arn)
        stale = sorted(f"{path} {a.event_type} -> {a.function_arn.rsplit(':', 1)[-1]}" for path, a in associations
                       if a.function_arn.rsplit(":", 1)[0] == arn.rsplit(":", 1)[0] and a.function_arn != arn)
        rows.append({"function": function.name, "version": version.version if version else "",
                     "version_arn": arn, "code_sha256": version.code_sha256 if version else "",
                     "stack_code_sha256": parameters.get(function.sha_parameter, ""), "used_by": used + stale,
                     "local": ("same" if local_sha.get(function.name) == parameters.get(function.sha_parameter)
                               else "differs") if local_sha else "not checked"})
    return rows


def prune_plan(session, deployed: DeployedEdge, keep: int) -> list[dict]:
    """Versions of each function no distribution uses, beyond the `keep` newest unused ones."""
    from candlefish_ops.aws.cloudfront import CloudFront
    from candlefish_ops.aws.lambda_ import Lambda

    outputs = dict(deployed.stack().outputs)
    cloudfront = CloudFront(session)
    in_use = {a.function_arn for d in cloudfront.distribution_ids() for _path, a in cloudfront.distribution(d).associations()}
    in_use |= {outputs.get(f.version_output, "") for f in FUNCTIONS}
    lambda_ = Lambda(session, EDGE_REGION)
    doomed = []
    for function in FUNCTIONS:
        name = outputs.get(function.name_output)
        unused = [v for v in lambda_.versions(name) if v.arn not in in_use] if name else []
        doomed += [{"function": function.name, "function_name": name, "version": v.version, "arn": v.arn}
                   for v in unused[:max(0, len(unused) - keep)]]
    return doomed


def prune(session, doomed: list[dict]) -> list[dict]:
    from candlefish_ops.aws.lambda_ import Lambda

    lambda_ = Lambda(session, EDGE_REGION)
    results = []
    for item in doomed:
        refused = lambda_.delete_version(item["function_name"], item["version"])
        results.append({**item, "result": f"skipped: {refused}" if refused else "deleted"})
    return results
