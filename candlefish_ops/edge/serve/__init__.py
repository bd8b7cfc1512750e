"""`candlefish edge serve`: the deployed CloudFront distribution and its Lambda@Edge functions, run locally
(see docs/edge-serve.md)."""

from __future__ import annotations

from pathlib import Path

from candlefish_ops.errors import ValidationError


def parse_origins(values: list[str]) -> dict[str, str]:
    """--origin NAME=URL (NAME: an origin id of the distribution, or a domain a function routes to)."""
    origins = {}
    for value in values:
        name, sep, url = value.partition("=")
        if not sep or not name or not url.startswith(("http://", "https://")):
            raise ValidationError(f"--origin {value!r}: expected NAME=http://HOST:PORT (NAME an origin id or domain)")
        origins[name] = url
    return origins


def build_service(session, deployed, origins: dict[str, str], python: str | None = None, log=lambda line: None,
                  progress=lambda text: None, workdir: Path | None = None, max_workers: int = 4):
    """Read the deployed edge back and make the service (workers start on first use)."""
    from candlefish_ops.aws.s3 import S3
    from candlefish_ops.edge.runtime import runtime_python
    from candlefish_ops.edge.serve.server import EdgeService, worker_environment
    from candlefish_ops.edge.serve.site import load_site, region_of, runtime_shim
    from candlefish_ops.edge.serve.workers import FunctionPool

    interpreter = runtime_python(python)
    site = load_site(session, deployed, workdir, progress)
    shim = runtime_shim(site.workdir)
    pools = {arn: FunctionPool(function.name, interpreter, function.directory, function.handler, function.timeout,
                               shim, worker_environment(session, function), max_workers)
             for arn, function in site.functions.items()}
    import threading

    clients: dict[str, S3] = {}
    lock = threading.Lock()

    def s3_for(domain: str) -> S3:
        region = region_of(domain)
        with lock:
            if region not in clients:
                clients[region] = S3(session, region)
            return clients[region]

    return EdgeService(site, pools, origins, s3_for, log)


def close(service) -> None:
    for pool in service.pools.values():
        pool.close()
