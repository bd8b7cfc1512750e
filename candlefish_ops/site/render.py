"""Site plans, results and releases as data (JSON) or lines and tables (stdout); the upload progress bar
(files and bytes) on stderr."""

from __future__ import annotations

from typing import Any

from candlefish_ops import ui
from candlefish_ops.site.plan import Release, SitePlan
from candlefish_ops.site.service import Progress, PublishResult


def _size(value: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return str(value)


def _duration(value) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def plan_data(plan: SitePlan, cdn_plan=None) -> dict[str, Any]:
    invalidation = list(cdn_plan.request.paths) if cdn_plan is not None else list(plan.invalidation)
    return {
        "environment": plan.environment, "bucket": plan.bucket, "distribution_id": plan.distribution_id or None,
        "previous_release": plan.previous,
        "files": len(plan.build.files), "bytes": plan.build.size, "skipped_precompressed": list(plan.build.skipped),
        "uploads": [{"key": u.file.key, "reason": u.reason, "class": u.file.kind, "size": u.file.size,
                     **u.file.headers.as_dict()} for u in plan.uploads],
        "upload_bytes": plan.upload_bytes,
        "header_changes": [{"key": u.file.key, "class": u.file.kind, **u.file.headers.as_dict()}
                           for u in plan.header_updates],
        "changed_since_previous": list(plan.changed),
        "invalidation": {"paths": invalidation,
                         "already_in_progress": cdn_plan.already_in_progress if cdn_plan is not None else None},
        "prune": {"grace": _duration(plan.grace) if plan.grace is not None else None,
                  "delete": [{"key": p.key, "last_referenced": p.last_referenced.isoformat(timespec="seconds")}
                             for p in plan.prune if p.prune],
                  "kept_in_grace": [{"key": p.key, "last_referenced": p.last_referenced.isoformat(timespec="seconds")}
                                    for p in plan.prune if not p.prune and p.last_referenced is not None],
                  "not_published_by_candlefish": [p.key for p in plan.prune if p.last_referenced is None]},
    }


def render_plan(plan: SitePlan, cdn_plan, output: str) -> None:
    ui.emit({**plan_data(plan, cdn_plan), "planned": True}, output, lambda data: _plan_lines(data, planned=True))


def render_result(result: PublishResult, cdn_plan, output: str) -> None:
    data = {**plan_data(result.plan, cdn_plan), "planned": False, "release": result.release_id or None,
            "uploaded": result.uploaded, "headers_updated": result.headers_updated,
            "invalidation_id": result.invalidation_id or None, "pruned": list(result.pruned),
            "prune_refused": list(result.prune_refused)}
    if result.invalidation_paths:
        data["invalidation"]["paths"] = list(result.invalidation_paths)
    ui.emit(data, output, lambda d: _result_lines(d))


def _plan_lines(data: dict[str, Any], planned: bool) -> None:
    rollback = any(upload["reason"] == "rollback" for upload in data["uploads"])
    verb = ("would restore" if planned else "restored") if rollback else ("would upload" if planned else "uploaded")
    ui.out(f"{data['environment']}: s3://{data['bucket']} ({data['files']} files, {_size(data['bytes'])}; "
           f"previous release {data['previous_release'] or 'none'})")
    for skipped in data["skipped_precompressed"]:
        ui.info(f"[dim]skipped pre-compressed {skipped} (site.precompressed: skip)[/dim]")
    ui.out(f"{verb} {len(data['uploads'])} files ({_size(data['upload_bytes'])})")
    for upload in data["uploads"]:
        mark = {"new": "+", "changed": "~", "rollback": "<"}.get(upload["reason"], "~")
        ui.out(f"  {mark} {upload['key']} ({upload['class']}) "
               f"{upload['content_type']}; {upload['cache_control']}"
               + (f"; {upload['content_encoding']}" if upload["content_encoding"] else ""))
    for change in data["header_changes"]:
        ui.out(f"  h {change['key']} headers -> {change['content_type']}; {change['cache_control']}")
    invalidation = data["invalidation"]
    if invalidation["already_in_progress"]:
        ui.out(f"invalidation: already in progress as {invalidation['already_in_progress']}")
    elif invalidation["paths"]:
        ui.out(f"{'would invalidate' if planned else 'invalidated'} {len(invalidation['paths'])} path(s) on "
               f"{data['distribution_id']}: {' '.join(invalidation['paths'])}")
    else:
        ui.out("invalidation: none (no page or fixed-name file changed since the previous release)")
    prune = data["prune"]
    if prune["grace"] is not None:
        ui.out(f"{'would prune' if planned else 'pruned'} {len(prune['delete'])} object(s) unreferenced for "
               f"longer than {prune['grace']}; {len(prune['kept_in_grace'])} kept within it, "
               f"{len(prune['not_published_by_candlefish'])} never published by candlefish left alone")
        for item in prune["delete"]:
            ui.out(f"  - {item['key']} (last referenced {item['last_referenced']})")


def _result_lines(data: dict[str, Any]) -> None:
    _plan_lines(data, planned=False)
    if data["invalidation_id"]:
        ui.out(f"invalidation {data['invalidation_id']}")
    for key in data["prune_refused"]:
        ui.warn(f"S3 refused to delete {key}; it stays (rerun with --prune-after to retry)")
    ui.out(f"release {data['release']} recorded" if data["release"] else
           "nothing changed: the bucket already holds this build (no release recorded)")


def release_row(release: Release) -> dict[str, Any]:
    return {"release": release.release_id, "time": release.time.isoformat(timespec="seconds"),
            "files": len(release.files), "changed": len(release.changed), "invalidation_id": release.invalidation_id or None,
            "invalidation_paths": list(release.invalidation_paths), "pruned": len(release.pruned), "note": release.note}


def render_releases(environment: str, releases: list[Release], output: str) -> None:
    rows = [release_row(release) for release in releases]
    ui.emit({"environment": environment, "releases": rows}, output, lambda data: ui.table(
        f"{environment}: site releases (oldest first)", ("release", "time", "files", "changed", "invalidation", "note"),
        [(r["release"], r["time"], r["files"], r["changed"], r["invalidation_id"] or "-", r["note"])
         for r in data["releases"]] or [("-", "-", "-", "-", "-", "no release yet")]))


class BarProgress(Progress):
    """A rich progress bar on stderr: files done of all, bytes sent of all, rate and time left."""

    def __init__(self) -> None:
        import threading

        self._progress = None
        self._lock = threading.Lock()   # the transfer manager reports from its worker threads

    def start(self, files: int, size: int) -> None:
        if not files:
            return
        from rich.progress import BarColumn, DownloadColumn
        from rich.progress import Progress as RichProgress
        from rich.progress import TextColumn, TimeRemainingColumn, TransferSpeedColumn

        self._files_total, self._files_done = files, 0
        self._progress = RichProgress(TextColumn("{task.description}"), BarColumn(),
                                      TextColumn("{task.fields[files]} files"), DownloadColumn(),
                                      TransferSpeedColumn(), TimeRemainingColumn(),
                                      console=ui.progress_console(), transient=False)
        self._task = self._progress.add_task("publishing", total=max(size, 1), files=f"0/{files}")
        self._progress.start()

    def advance(self, size: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=size)

    def file_done(self, key: str) -> None:
        if self._progress is not None:
            with self._lock:
                self._files_done += 1
                done = self._files_done
            self._progress.update(self._task, files=f"{done}/{self._files_total}")

    def step(self, text: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description=text)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description="published")
            self._progress.stop()
            self._progress = None
