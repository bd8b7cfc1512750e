"""What `candlefish edge` shows: packages, status, releases and prune results as data, then as tables."""

from __future__ import annotations

from candlefish_ops import ui


def package_row(item, file: str) -> dict:
    """One written package as data."""
    return {"function": item.function.name, "file": file, "size": item.size, "limit": item.function.limit,
            "code_sha256": item.code_sha256, "s3_key": item.s3_key}


def release_rows(releases) -> list[dict]:
    """The recorded releases as data."""
    return [vars(release) | {"functions": {n: vars(f) for n, f in release.functions.items()}} for release in releases]


def render_packages(data: dict) -> None:
    ui.table(f"{data['environment']}: Lambda@Edge packages", ("function", "size", "limit", "CodeSha256", "file"),
             [(r["function"], f"{r['size']:,}", f"{r['limit']:,}", r["code_sha256"], r["file"]) for r in data["packages"]])


def render_status(data: dict) -> None:
    ui.table(f"{data['environment']}: Lambda@Edge", ("function", "version", "CodeSha256", "used by", "local sources"),
             [(r["function"], r["version"], r["code_sha256"], "\n".join(r["used_by"]) or "-", r["local"])
              for r in data["functions"]])


def render_releases(data: dict) -> None:
    ui.table(f"{data['environment']}: edge releases", ("release", "time", "note", "functions"),
             [(r["release_id"], r["time"], r["note"], "\n".join(_function_cell(n, f) for n, f in r["functions"].items()))
              for r in data["releases"]])


def _function_cell(name: str, function: dict) -> str:
    return f"{name} {function['code_sha256'][:10]}… v{function['version_arn'].rsplit(':', 1)[-1]}"


def render_prune(data: dict) -> None:
    ui.table(f"{data['environment']}: edge prune", ("function", "version", "result"),
             [(r["function"], r["version"], r["result"]) for r in data["versions"]] or [("-", "-", "nothing to delete")])
