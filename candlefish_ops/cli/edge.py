"""`candlefish edge`: package the Lambda@Edge functions, show what is deployed, roll back, prune."""

from __future__ import annotations

from pathlib import Path

import typer

from candlefish_ops import ui
from candlefish_ops.cli.common import ENV_ARGUMENT, app_context, environment_session

app = typer.Typer(help="Lambda@Edge: package, status, releases, rollback, prune, serve.", no_args_is_help=True)

STACK = typer.Option(None, "--stack", help="Stack key of the edge stack (default: the one holding the functions).")
PYTHON = typer.Option(None, "--python", help="Python of the functions' runtime (3.12) for bytecode and import checks.")
WHEELHOUSE = typer.Option(None, "--wheelhouse", help="Fetch the locked wheels from this directory, not an index.")


def _deployed(ctx: typer.Context, env: str, stack: str | None):
    from candlefish_ops.edge.service import DeployedEdge, edge_stack_key

    app_ctx = app_context(ctx)
    environment = app_ctx.environment(env)
    key = edge_stack_key(environment, stack)
    return app_ctx, environment, DeployedEdge(environment_session(app_ctx, environment, (key,)), environment, key)


def _packages(deployed, python: str | None, wheelhouse: Path | None, functions=None, local: bool = False):
    from candlefish_ops.edge.functions import FUNCTIONS
    from candlefish_ops.edge.service import EdgeRelease

    release = EdgeRelease(None, deployed.environment, python=python, wheelhouse=wheelhouse, local=local)
    return release.packages(deployed.target, deployed.resolved(), deployed.outputs_of, functions or FUNCTIONS)


@app.command("package")
def package(ctx: typer.Context, env: str = ENV_ARGUMENT,
            out: Path = typer.Option(None, "--out", help="Write the zips here (default dist/edge/ENV)."),
            function: list[str] = typer.Option([], "--function", "-f", help="Only this function (repeatable)."),
            stack: str | None = STACK, python: str | None = PYTHON, wheelhouse: Path | None = WHEELHOUSE) -> None:
    """Build the environment's packages (deterministic zips, config generated from its stack outputs)."""
    from candlefish_ops.edge.functions import select

    functions = select(function)
    _app, _environment, deployed = _deployed(ctx, env, stack)
    packages = _packages(deployed, python, wheelhouse, functions, local=_app.targets_emulator)
    folder = out or Path("dist") / "edge" / env
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for item in packages:
        (folder / f"{item.function.name}.zip").write_bytes(item.data)
        rows.append({"function": item.function.name, "file": str(folder / f"{item.function.name}.zip"),
                     "size": item.size, "limit": item.function.limit, "code_sha256": item.code_sha256,
                     "s3_key": item.s3_key})
    ui.emit({"environment": env, "packages": rows}, _app.output, lambda data: ui.table(
        f"{env}: Lambda@Edge packages", ("function", "size", "limit", "CodeSha256", "file"),
        [(r["function"], f"{r['size']:,}", f"{r['limit']:,}", r["code_sha256"], r["file"]) for r in data["packages"]]))


@app.command("status")
def status(ctx: typer.Context, env: str = ENV_ARGUMENT, stack: str | None = STACK,
           python: str | None = PYTHON, wheelhouse: Path | None = WHEELHOUSE,
           no_local: bool = typer.Option(False, "--no-local-check", help="Do not package the local sources.")) -> None:
    """Per function: deployed version, CodeSha256, the behaviours using it, and whether local sources differ."""
    from candlefish_ops.edge.service import edge_status

    app_ctx, _environment, deployed = _deployed(ctx, env, stack)
    local = [] if no_local else _packages(deployed, python, wheelhouse, local=app_ctx.targets_emulator)
    rows = edge_status(deployed.session, deployed, local)
    ui.emit({"environment": env, "functions": rows}, app_ctx.output, lambda data: ui.table(
        f"{env}: Lambda@Edge", ("function", "version", "CodeSha256", "used by", "local sources"),
        [(r["function"], r["version"], r["code_sha256"], "\n".join(r["used_by"]) or "-", r["local"])
         for r in data["functions"]]))


@app.command("releases")
def releases(ctx: typer.Context, env: str = ENV_ARGUMENT, stack: str | None = STACK) -> None:
    """The recorded releases, oldest first."""
    from candlefish_ops.deploy.artifacts import ArtifactsStore
    from candlefish_ops.edge.releases import ReleaseLog

    app_ctx, environment, deployed = _deployed(ctx, env, stack)
    log = ReleaseLog(ArtifactsStore(deployed.session, environment), environment.name)
    rows = [vars(release) | {"functions": {n: vars(f) for n, f in release.functions.items()}}
            for release in map(log.read, log.ids())]
    ui.emit({"environment": env, "releases": rows}, app_ctx.output, lambda data: ui.table(
        f"{env}: edge releases", ("release", "time", "note", "functions"),
        [(r["release_id"], r["time"], r["note"], "\n".join(f"{n} {f['code_sha256'][:10]}… v{f['version_arn'].rsplit(':', 1)[-1]}"
                                                            for n, f in r["functions"].items()))
         for r in data["releases"]]))


@app.command("rollback")
def rollback(ctx: typer.Context, env: str = ENV_ARGUMENT,
             to: str | None = typer.Option(None, "--to", help="Release id (or unique prefix); default: the previous."),
             stack: str | None = STACK) -> None:
    """Redeploy the edge stack with a recorded release's packages (the previous one by default)."""
    from candlefish_ops.deploy.artifacts import ArtifactsStore
    from candlefish_ops.deploy.plan import plan_deploy
    from candlefish_ops.deploy.render import DeployView, render_summary
    from candlefish_ops.deploy.service import run_deploy
    from candlefish_ops.edge.releases import ReleaseLog

    app_ctx, environment, deployed = _deployed(ctx, env, stack)
    target = ReleaseLog(ArtifactsStore(deployed.session, environment), environment.name).find(to)
    ui.info(f"rolling {env} back to edge release {target.release_id} ({target.time})")
    plan = plan_deploy(environment, (deployed.target.key,), protected=app_ctx.protected(environment))
    with DeployView(plan, show_diffs=not app_ctx.json, assume_yes=app_ctx.yes) as view:
        report = run_deploy(deployed.session, environment, plan, view, assume_yes=app_ctx.yes, parallel=1,
                            recreate_failed=False, release_options={"pinned": target, "local": app_ctx.targets_emulator})
    ui.emit(report.to_dict(), app_ctx.output, lambda _data: render_summary(report))
    if report.failed:
        raise typer.Exit(1)


@app.command("prune")
def prune(ctx: typer.Context, env: str = ENV_ARGUMENT,
          keep: int = typer.Option(3, "--keep", min=0, help="Unused versions to keep per function (newest)."),
          dry_run: bool = typer.Option(False, "--dry-run", "--plan", help="List what would be deleted."),
          stack: str | None = STACK) -> None:
    """Delete old versions no distribution uses; a version still replicated is reported and skipped."""
    from candlefish_ops.edge import service

    app_ctx, environment, deployed = _deployed(ctx, env, stack)
    doomed = service.prune_plan(deployed.session, deployed, keep)
    if doomed and not dry_run:
        app_ctx.gate.confirm(environment, f"delete {len(doomed)} unused Lambda@Edge version(s) of {env}?")
    results = [{**item, "result": "would delete"} for item in doomed] if dry_run else service.prune(deployed.session, doomed)
    ui.emit({"environment": env, "versions": results}, app_ctx.output, lambda data: ui.table(
        f"{env}: edge prune", ("function", "version", "result"),
        [(r["function"], r["version"], r["result"]) for r in data["versions"]] or [("-", "-", "nothing to delete")]))


@app.command("serve")
def serve(ctx: typer.Context, env: str = ENV_ARGUMENT,
          port: int = typer.Option(8080, "--port", min=0, max=65535, help="Port on 127.0.0.1 (0: any free one)."),
          origin: list[str] = typer.Option([], "--origin", metavar="NAME=URL",
                                           help="Where a custom origin (id or domain) is served locally (repeatable)."),
          stack: str | None = STACK, python: str | None = PYTHON) -> None:
    """Run the deployed distribution locally: its behaviours, cache and the released Lambda@Edge versions."""
    from candlefish_ops.edge.serve import build_service, close, parse_origins
    from candlefish_ops.edge.serve.server import EdgeServer

    origins = parse_origins(origin)
    _app, _environment, deployed = _deployed(ctx, env, stack)
    service = build_service(deployed.session, deployed, origins, python, log=ui.log_line, progress=ui.info)
    server = EdgeServer(service, port=port)
    ui.info(f"{env}: edge serving on {server.url} (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
        close(service)
