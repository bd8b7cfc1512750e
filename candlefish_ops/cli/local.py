"""`candlefish local`: run the embedded AWS emulator in the foreground so several commands share it."""

from __future__ import annotations

import typer

from candlefish_ops import ui

app = typer.Typer(help="The embedded AWS emulator (moto).", no_args_is_help=True)


@app.command("serve")
def serve(
    port: int = typer.Option(4566, "--port", help="Port on 127.0.0.1 (0 picks a free one)."),
) -> None:
    """Serve the emulator until Ctrl-C; point other shells at it with AWS_ENDPOINT_URL."""
    import threading

    from candlefish_ops.local.emulator import Emulator

    emulator = Emulator(port=port)
    endpoint = emulator.start()
    ui.out(f"emulator listening on {endpoint}")
    ui.info(f"in another shell: export AWS_ENDPOINT_URL={endpoint} AWS_ACCESS_KEY_ID=local "
            "AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1; then run candlefish as usual. Ctrl-C stops.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        ui.info("stopped; the emulator's state is gone")
    finally:
        emulator.stop()
