"""`candlefish site`: read (stack outputs, the bucket, the release records) -> plan -> write (uploads in
phase order, invalidation through the cdn service, prune, the release record last).

The bucket is the storage stack's `StaticAssetsBucketName` output, checked to be a bucket that stack owns
and, once a release is recorded in it, recorded for this project and environment. The distribution is the
edge stack's `DistributionId` output (the cdn service reads it).

Crash safety: every step can be repeated. Uploads compare with the bucket, so a re-run uploads only what is
missing; the invalidation compares with the last *complete* release (the record is written last), so a
re-run still invalidates what the crashed run changed, under a caller reference derived from that release
and the new content (CloudFront answers a repeated reference with the invalidation it already made).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Mapping

from candlefish_ops.config import Environment
from candlefish_ops.errors import NotFoundError, ValidationError
from candlefish_ops.site.files import RESERVED_PREFIX, Build
from candlefish_ops.site.headers import Headers
from candlefish_ops.site.plan import (
    PHASES,
    FileRecord,
    Release,
    RemoteObject,
    SitePlan,
    Upload,
    changed_since,
    invalidation_paths,
    next_referenced,
    prune_items,
    records_for,
    same_content,
    uploads_for,
)
from candlefish_ops.site.releases import RELEASES, SiteReleaseLog, entry_copy_key, release_id
from candlefish_ops.stack_outputs import STATIC_ASSETS_BUCKET, StackOutputs

BUCKET_OUTPUT = STATIC_ASSETS_BUCKET


class Progress:
    """What the service reports while it writes (the CLI draws a progress bar; the default is silent)."""

    def start(self, files: int, size: int) -> None: ...
    def advance(self, size: int) -> None: ...
    def file_done(self, key: str) -> None: ...
    def step(self, text: str) -> None: ...
    def stop(self) -> None: ...


@dataclass
class Snapshot:
    """What the reads found: the bucket's objects, the release ids and the latest complete release."""

    listed: dict[str, RemoteObject]
    release_ids: list[str]
    latest: Release | None
    entry_copies: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class PublishResult:
    plan: SitePlan
    release_id: str
    invalidation_id: str
    invalidation_paths: tuple[str, ...]
    uploaded: int
    headers_updated: int
    pruned: tuple[str, ...]
    prune_refused: tuple[str, ...] = ()


class SiteService:
    def __init__(self, session, environment: Environment, *, on_phase: Callable[[str], None] | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.session, self.environment = session, environment
        self.config = environment.site
        self._on_phase = on_phase or (lambda _phase: None)
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._bucket = None
        self._cdn = None
        self.snapshot: Snapshot | None = None

    # -- reads ---------------------------------------------------------------------------------------------

    @property
    def bucket(self):
        if self._bucket is None:
            self._bucket = self._open_bucket()
        return self._bucket

    @property
    def cdn(self):
        if self._cdn is None:
            from candlefish_ops.cdn.service import CdnService

            self._cdn = CdnService(self.session, self.environment, self.config.edge_stack)
        return self._cdn

    def _open_bucket(self):
        from candlefish_ops.aws.cloudformation import CloudFormation
        from candlefish_ops.aws.s3 import SiteBucket

        key = self.config.storage_stack
        if key not in self.environment.stacks:
            raise ValidationError(f"{self.environment.file}: site.storage_stack: no stack {key!r} (stacks: "
                                  f"{', '.join(sorted(self.environment.stacks))})")
        stack = self.environment.stacks[key]
        region = stack.regions[0]
        name = StackOutputs(self.session, self.environment).value(
            key, BUCKET_OUTPUT, fix="set site.storage_stack to the stack that creates the static-assets bucket")
        cloudformation = CloudFormation(self.session, region)
        if name not in cloudformation.physical_ids(stack.stack_name, "AWS::S3::Bucket"):
            raise ValidationError(f"bucket {name} (output {BUCKET_OUTPUT} of {stack.stack_name}) is not a bucket "
                                  f"that stack owns; refusing to publish {self.environment.name} into it")
        bucket = SiteBucket(self.session, region, name, parallel=self.config.parallel,
                            multipart_threshold=self.config.multipart_threshold_mb * 1024 * 1024)
        if not bucket.exists():
            raise NotFoundError(f"bucket {name} (output of {stack.stack_name}) does not exist; redeploy the stack")
        return bucket

    def read(self) -> Snapshot:
        """One listing of the bucket (content, records and entry copies), and the latest record."""
        listed, ids, copies = {}, [], set()
        for item in self.bucket.list():
            if item.key.startswith(RELEASES) and item.key.endswith(".json"):
                ids.append(item.key[len(RELEASES):-len(".json")])
            elif item.key.startswith(RESERVED_PREFIX):
                copies.add(item.key)
            else:
                listed[item.key] = RemoteObject(item.key, item.size, item.etag, item.last_modified)
        ids.sort()
        latest = SiteReleaseLog(self.bucket).latest(ids)
        if latest is not None and (latest.project, latest.environment) != (self.environment.project,
                                                                             self.environment.name):
            raise ValidationError(f"bucket {self.bucket.bucket} holds the site of {latest.project} "
                                  f"{latest.environment} (release {latest.release_id}), not of "
                                  f"{self.environment.project} {self.environment.name}; refusing to publish into it")
        self.snapshot = Snapshot(listed, ids, latest, copies)
        return self.snapshot

    def _known(self, build: Build, snapshot: Snapshot) -> dict[str, RemoteObject]:
        """The objects of the build's keys with their SHA-256 and headers: from the latest record when the
        object's ETag is the one recorded (unchanged since), else from a HEAD (its metadata)."""
        wanted = {item.key for item in build.files}
        records = snapshot.latest.files if snapshot.latest else {}
        known, unknown = {}, []
        for key, obj in snapshot.listed.items():
            record = records.get(key)
            if record is not None and record.etag and record.etag == obj.etag:
                known[key] = RemoteObject(key, obj.size, obj.etag, obj.last_modified, record.sha256, record.headers)
            elif key in wanted:
                unknown.append(obj)
        with ThreadPoolExecutor(max_workers=self.config.parallel) as pool:
            for obj, head in zip(unknown, pool.map(lambda o: self.bucket.head(o.key), unknown)):
                headers = Headers(head.content_type, head.cache_control, head.content_encoding)
                known[obj.key] = RemoteObject(obj.key, obj.size, obj.etag, obj.last_modified, head.sha256, headers)
        return known

    def plan(self, build: Build, prune_after: timedelta | None = None) -> SitePlan:
        snapshot = self.read()
        uploads, updates = uploads_for(build, self._known(build, snapshot))
        files = records_for(build, {})
        paths = invalidation_paths(files, snapshot.latest, self.config.wildcard_at)
        prune = ()
        if prune_after is not None:
            referenced = snapshot.latest.referenced if snapshot.latest else {}
            prune = prune_items(build, snapshot.listed, referenced, self._clock(), prune_after)
        distribution = self.cdn.distribution_id if paths else ""
        return SitePlan(self.environment.name, self.bucket.bucket, distribution, build,
                        snapshot.latest.release_id if snapshot.latest else None, uploads, updates,
                        changed_since(files, snapshot.latest), paths, prune, prune_after)

    def reachability_problem(self) -> str:
        """Why viewers would not get the published files at their paths ("" when they would): the
        distribution must serve this bucket at site.prefix (the default behaviour, or a `/PREFIX*` pattern)."""
        from candlefish_ops.aws.cloudfront import CloudFront

        prefix = self.config.prefix
        distribution = CloudFront(self.session).distribution(self.cdn.distribution_id)
        patterns = distribution.paths_served_from(f"{self.bucket.bucket}.s3.")
        if "*" in patterns or any(_covers(pattern, prefix) for pattern in patterns):
            return ""
        served = ", ".join(patterns) or "no path"
        hint = f"; set site.prefix: {patterns[0].strip('/*')}/ in {self.environment.file.name}" if patterns else ""
        return (f"the distribution serves bucket {self.bucket.bucket} at {served}, not at /{prefix}: viewers would not "
                f"get the published files{hint}")

    def invalidation_plan(self, plan: SitePlan):
        """The cdn planner's view of the paths (encoding, redundancy, in-progress reuse and limits)."""
        from candlefish_ops.cdn import paths as path_rules

        if not plan.invalidation:
            return None
        return self.cdn.plan(path_rules.build([(path, "site") for path in plan.invalidation]))

    # -- writes --------------------------------------------------------------------------------------------

    def publish(self, plan: SitePlan, progress: Progress | None = None) -> PublishResult:
        progress = progress or Progress()
        snapshot = self.snapshot
        assert snapshot is not None, "plan() first"
        progress.start(len(plan.uploads) + len(plan.header_updates), plan.upload_bytes)
        # the ETags of what is written, computed on a spare thread while the uploads wait on the network
        etags_pool = ThreadPoolExecutor(max_workers=1)
        etags = etags_pool.submit(self._etags_of, [u.file for u in (*plan.uploads, *plan.header_updates)])
        try:
            for phase in PHASES:
                self._write_phase(plan.phase(phase), [u for u in plan.header_updates if u.file.kind == phase],
                                  progress, phase)
                self._on_phase(phase)
        finally:
            progress.stop()
            etags_pool.shutdown(wait=False, cancel_futures=True)
        self._keep_entry_copies(plan, snapshot)
        invalidation_id, sent = self._invalidate(plan, snapshot)
        self._on_phase("invalidation")
        refused = tuple(self.bucket.delete(list(plan.deletes))) if plan.deletes else ()
        pruned = tuple(key for key in plan.deletes if key not in refused)
        if plan.deletes:
            self._on_phase("prune")
        record = self._record(plan, snapshot, invalidation_id, sent, pruned, written_etags=etags.result())
        return PublishResult(plan, record, invalidation_id, sent, len(plan.uploads), len(plan.header_updates),
                             pruned, refused)

    def _write_phase(self, uploads: tuple[Upload, ...], updates: list[Upload], progress: Progress, phase: str) -> None:
        if uploads:
            progress.step(f"uploading {len(uploads)} {phase} file(s)")
            items = [_item(u) for u in uploads]
            self.bucket.upload(items, on_bytes=progress.advance, on_file=lambda item: progress.file_done(item.key))
        if updates:
            progress.step(f"updating the headers of {len(updates)} {phase} file(s)")
            self.bucket.copy_many([(u.file.key, _item(u), u.file.size) for u in updates],
                                  on_done=lambda item: progress.file_done(item.key))

    def _keep_entry_copies(self, plan: SitePlan, snapshot: Snapshot) -> None:
        """A copy of each fixed-name file's bytes under its SHA-256, for rollback (server-side copies)."""
        copies: dict[str, tuple] = {}
        for item in plan.build.files:
            copy = entry_copy_key(item.sha256)
            if item.kind != "immutable" and copy not in snapshot.entry_copies and copy not in copies:
                copies[copy] = (item.key, _item(Upload(item, "copy"), key=copy), item.size)
        self.bucket.copy_many(list(copies.values()))
        snapshot.entry_copies = snapshot.entry_copies | set(copies)

    def _invalidate(self, plan: SitePlan, snapshot: Snapshot) -> tuple[str, tuple[str, ...]]:
        cdn_plan = self.invalidation_plan(plan)
        if cdn_plan is None:
            return "", ()
        reference = _reference(self.environment.name, snapshot.latest, plan)
        result = self.cdn.execute(cdn_plan, reference=reference)
        return result.invalidation_id or "", cdn_plan.request.paths

    def _record(self, plan: SitePlan, snapshot: Snapshot, invalidation_id: str, sent: tuple[str, ...],
                pruned: tuple[str, ...], note: str = "", files: Mapping[str, FileRecord] | None = None,
                written_etags: Mapping[str, str] | None = None) -> str:
        """Write the release record last (skipped when the latest record already says all this). ETags: the
        listing's for objects left alone, the computed ones for what this run wrote (no second listing)."""
        listed = {key: obj for key, obj in snapshot.listed.items() if key not in pruned}
        etags = {key: obj.etag for key, obj in listed.items()}
        written = dict(written_etags) if written_etags is not None else self._etags_of(
            [u.file for u in (*plan.uploads, *plan.header_updates)])
        etags.update(written)
        listed.update({key: None for key in written})
        files = {key: FileRecord(r.sha256, r.size, r.kind, r.headers, etags.get(key, ""))
                 for key, r in (files if files is not None else records_for(plan.build, {})).items()}
        latest = snapshot.latest
        if same_content(files, latest) and not invalidation_id and not pruned and _etags_same(files, latest):
            return ""
        now = self._clock()
        release = Release(
            release_id=release_id(len(snapshot.release_ids) + 1, now, files), time=now, files=files,
            changed=changed_since(files, latest), invalidation_id=invalidation_id, invalidation_paths=sent,
            referenced=next_referenced(files, latest, listed, now, pruned), pruned=pruned, note=note,
            project=self.environment.project, environment=self.environment.name)
        SiteReleaseLog(self.bucket).write(release)
        return release.release_id

    def _etags_of(self, files) -> dict[str, str]:
        """The ETags of what this run wrote: recorded ones (rollback), else computed from the files."""
        from candlefish_ops.site.files import expected_etag

        part = self.config.multipart_threshold_mb * 1024 * 1024
        known = {item.key: item.etag for item in files if item.etag}
        local = [item for item in files if not item.etag and item.path and os.path.isfile(item.path)]
        known.update((item.key, expected_etag(item.path, part)) for item in local)
        return known

    # -- releases and rollback -----------------------------------------------------------------------------

    def releases(self) -> list[Release]:
        log = SiteReleaseLog(self.bucket)
        return [log.read(release) for release in log.ids()]

    def rollback_plan(self, to: str | None) -> tuple[Release, SitePlan, dict[str, FileRecord]]:
        """The latest release's files with the fixed-name files of release `to` (default: the newest
        release whose pages differ); refused when an asset it names or a recorded copy is gone."""
        from candlefish_ops.site.files import LocalFile

        snapshot = self.read()
        target = SiteReleaseLog(self.bucket).find(to, snapshot.release_ids)
        latest = snapshot.latest
        assert latest is not None
        missing = sorted(key for key, record in target.files.items()
                         if record.kind == "immutable" and key not in snapshot.listed)
        if missing:
            raise ValidationError(f"release {target.release_id} names {len(missing)} asset(s) no longer in the bucket "
                                  f"(first: {missing[0]}; pruned?); publish that build again instead")
        files = {key: record for key, record in latest.files.items() if record.kind == "immutable"}
        files.update({key: record for key, record in target.files.items()})
        restores = []
        for key, record in sorted(target.files.items()):
            if record.kind == "immutable":
                continue
            now = latest.files.get(key)
            if now is not None and now.sha256 == record.sha256 and now.headers == record.headers:
                continue
            if entry_copy_key(record.sha256) not in snapshot.entry_copies:
                raise ValidationError(f"release {target.release_id}: the recorded copy of {key} is gone "
                                      f"({entry_copy_key(record.sha256)}); publish that build again instead")
            restores.append(Upload(LocalFile(key, entry_copy_key(record.sha256), record.size, record.sha256,
                                             record.kind, record.headers, record.etag), "rollback"))
        order = {name: index for index, name in enumerate(PHASES)}
        restores.sort(key=lambda upload: (order[upload.file.kind], upload.file.key))
        build = Build("", tuple(LocalFile(key, "", r.size, r.sha256, r.kind, r.headers, r.etag)
                                for key, r in sorted(files.items())))
        paths = invalidation_paths(files, latest, self.config.wildcard_at)
        plan = SitePlan(self.environment.name, self.bucket.bucket, self.cdn.distribution_id if paths else "", build,
                        latest.release_id, tuple(restores), (), changed_since(files, latest), paths)
        return target, plan, files

    def rollback(self, target: Release, plan: SitePlan, files: dict[str, FileRecord]) -> PublishResult:
        snapshot = self.snapshot
        assert snapshot is not None
        for phase in PHASES:          # `other` first, then entry points: pages last
            self.bucket.copy_many([(u.file.path, _item(u), u.file.size) for u in plan.phase(phase)])
        invalidation_id, sent = self._invalidate(plan, snapshot)
        record = self._record(plan, snapshot, invalidation_id, sent, (), note=f"rollback to {target.release_id}",
                              files=files)
        return PublishResult(plan, record, invalidation_id, sent, len(plan.uploads), 0, ())


def _covers(pattern: str, prefix: str) -> bool:
    """A CloudFront path pattern such as /static/* covers every key under `prefix` (static/...)."""
    return pattern.endswith("*") and ("/" + prefix).startswith(pattern[:-1])


def _item(upload: Upload, key: str | None = None):
    from candlefish_ops.aws.s3 import UploadItem

    headers = upload.file.headers
    return UploadItem(upload.file.path, key or upload.file.key, upload.file.sha256, headers.content_type,
                      headers.cache_control, headers.content_encoding)


def _etags_same(files: Mapping[str, FileRecord], latest: Release | None) -> bool:
    return latest is not None and all(latest.files[key].etag == record.etag for key, record in files.items())


def _reference(environment: str, previous: Release | None, plan: SitePlan) -> str:
    """The same for every run that finishes the same release (previous release + new content)."""
    import hashlib

    digest = hashlib.sha256("".join(f"{f.key}={f.sha256};{f.headers};" for f in plan.build.files).encode())
    digest.update("\n".join(plan.invalidation).encode())
    return f"candlefish-site-{environment}-{previous.release_id if previous else 'none'}-{digest.hexdigest()[:16]}"
