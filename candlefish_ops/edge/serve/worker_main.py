"""One warm Lambda@Edge "container" for `candlefish edge serve`: runs under the function's runtime Python
(3.12), standard library only.

    python3.12 -I -S worker_main.py PACKAGE_DIR HANDLER [SHIM_DIR]

imports HANDLER ("module.function") from the unzipped package (as Lambda does from /var/task; the shim
directory, if any, comes after it, like the runtime's own boto3), then answers one JSON line per JSON line
on stdin: {"event": ...} -> {"result": ..., "logs": "..."} or {"error": "...", "logs": "..."}. Module state
stays between invocations like a warm container. What the function prints is captured per invocation.
"""

import contextlib
import importlib
import io
import json
import os
import sys
import traceback


def main() -> None:
    package, handler_name = sys.argv[1], sys.argv[2]
    sys.path[:0] = [package] + sys.argv[3:4]
    os.chdir(package)
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    sys.stdout = sys.stderr  # nothing the function prints at import may reach the protocol
    module_name, _, function_name = handler_name.rpartition(".")
    logs = io.StringIO()
    try:
        with contextlib.redirect_stdout(logs), contextlib.redirect_stderr(logs):
            function = getattr(importlib.import_module(module_name), function_name)
    except Exception:  # noqa: BLE001 - reported as an init error on every invocation
        function, init_error = None, traceback.format_exc(limit=5)
    else:
        init_error = ""
    protocol.write(json.dumps({"ready": function is not None, "logs": logs.getvalue(), "error": init_error}) + "\n")
    for line in sys.stdin:
        logs = io.StringIO()
        try:
            event = json.loads(line)["event"]
            if function is None:
                raise RuntimeError(init_error)
            with contextlib.redirect_stdout(logs), contextlib.redirect_stderr(logs):
                result = function(event, None)
            answer = {"result": result, "logs": logs.getvalue()}
            text = json.dumps(answer)
        except Exception as exc:  # noqa: BLE001 - the function's unhandled error, as Lambda reports it
            text = json.dumps({"error": f"{type(exc).__name__}: {exc}", "logs": logs.getvalue(),
                               "trace": traceback.format_exc(limit=5)})
        protocol.write(text + "\n")


if __name__ == "__main__":
    main()
