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


def command_name(ctx: typer.Context) -> str:
    """`waf list`: the command's words without the program name."""
    words = []
    while ctx.parent is not None:
        words.append(ctx.info_name)
        ctx = ctx.parent
    return " ".join(reversed(words))


ENV_ARGUMENT = typer.Argument(..., metavar="ENV", help="Environment: the name of config/ENV.yaml.")
