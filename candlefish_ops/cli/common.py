"""Shared pieces of the command modules: the AppContext accessor and common arguments."""

from __future__ import annotations

import typer

from candlefish_ops.context import AppContext


def app_context(ctx: typer.Context, csv: bool = False) -> AppContext:
    """The AppContext the root callback stored (commands never build their own). Commands call it first;
    `--output csv` is refused here, the same way everywhere, unless the command writes CSV (`csv=True`)."""
    app = ctx.find_root().obj
    if app.output == "csv" and not csv:
        from candlefish_ops.errors import ValidationError

        raise ValidationError(f"{command_name(ctx)} writes a table or JSON, not CSV: use --output table or "
                              "--output json (CSV: report costs, waf export)")
    return app


def plain_session(app: AppContext, region: str | None = None):
    """The boto3 Session for a command that deploys or reads no environment's stacks; under --local, the CLI's
    local step first points the SDK at the emulator (empty, or the one `local up` keeps running)."""
    if app.local:
        from candlefish_ops.cli import local_step

        local_step.start(app, region)
    return app.session(region)


def environment_session(app: AppContext, environment, needs: tuple[str, ...] = ()):
    """The session for a command that needs the environment's stacks (account checked). Under --local, the
    CLI's local step runs first: the stacks in `needs` (default: all) and their dependencies are deployed into
    the emulator unless it already holds them, and emulated data seeded. Templates and parameters are checked
    before the emulator starts, so a config error costs no emulator deploy."""
    if app.local:
        from candlefish_ops.cli import local_step

        local_step.prepare(app, environment, needs)
    return app.checked_session(environment)


def command_name(ctx: typer.Context) -> str:
    """`waf list`: the command's words without the program name."""
    words = []
    while ctx.parent is not None:
        words.append(ctx.info_name)
        ctx = ctx.parent
    return " ".join(reversed(words))


def _config_dir(ctx: typer.Context):
    import os
    from pathlib import Path

    root = ctx.find_root()
    given = root.params.get("config_dir") if root.params else None
    return Path(given or os.environ.get("CANDLEFISH_CONFIG_DIR") or "config")


def complete_environment(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion: the environments of the config directory (its ENV.yaml files)."""
    return [path.stem for path in sorted(_config_dir(ctx).glob("*.yaml")) if path.stem.startswith(incomplete)]


def complete_stack(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion: the stack keys of the environment already on the command line."""
    return [key for key in _environment_keys(ctx, lambda environment: environment.stacks) if key.startswith(incomplete)]


def _environment_keys(ctx: typer.Context, keys_of) -> list[str]:
    from candlefish_ops.config import load_environment
    from candlefish_ops.errors import CandlefishError

    # while completing, click leaves positional arguments unconverted in ctx.args
    env = (ctx.params or {}).get("env") or next(iter(ctx.args or ()), None)
    if not env:
        return []
    try:
        return sorted(keys_of(load_environment(_config_dir(ctx), env)))
    except (CandlefishError, AttributeError, OSError):
        return []  # completion never fails loudly: a broken config completes nothing


ENV_ARGUMENT = typer.Argument(..., metavar="ENV", help="Environment: the name of config/ENV.yaml.",
                              autocompletion=complete_environment)


def public_dns(app):
    """The resolver of the zone-delegation checks: the emulator's public DNS when the command runs against it."""
    import os

    from candlefish_ops.dns.delegation import default_resolver

    return default_resolver(app.targets_emulator, os.environ.get("AWS_ENDPOINT_URL"))
