"""Shared pieces of the command modules: the AppContext accessor and common arguments."""

from __future__ import annotations

import typer

from candlefish_ops.context import AppContext


def app_context(ctx: typer.Context) -> AppContext:
    """The AppContext the root callback stored (commands never build their own)."""
    return ctx.find_root().obj


ENV_ARGUMENT = typer.Argument(..., metavar="ENV", help="Environment: the name of config/ENV.yaml.")
