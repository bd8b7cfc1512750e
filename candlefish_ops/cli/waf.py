"""`candlefish waf`: (being built; see the issue)."""

from __future__ import annotations

import typer

from candlefish_ops.cli.common import ENV_ARGUMENT, app_context
from candlefish_ops.errors import CandlefishError

app = typer.Typer(help="waf commands.", no_args_is_help=True)


@app.command("todo", hidden=True)
def todo(ctx: typer.Context, env: str = ENV_ARGUMENT) -> None:
    """Placeholder until the area lands (replace me)."""
    raise CandlefishError("not implemented yet")
