"""Benchmark `candlefish waf import`: API calls by operation and wall time (median of N), on the in-process
emulator, side by side with the by-hand way (one read-modify-write of the whole set per address).

Scenarios (each repetition starts from a reset emulator; setup is not measured):
  import-10000-into-empty   10,000 IPv4 /32s into an empty block set
  import-1000-into-9000     1,000 more into a set (and ledger) already holding 9,000
  import-100-into-empty     100 addresses, candlefish
  by-hand-100-into-empty    100 addresses, one GetIPSet + UpdateIPSet each (what a shell loop over
                            `aws wafv2` does), no ledger

`--history` instead times whole `candlefish waf` commands (in-process CLI, `block-ip` of one new address and
`list`) as the ledger's history grows: an empty ledger; 100,000 removals in the history partition (the current
layout); and 14,000 removals stored the old way, among the live entries (what commands read before the
history partition existed, until writing commands have moved them), plus the first writing command on it.
History items are put straight into the in-process emulator's table (setup, not measured).

Run:  .venv/bin/python bench/waf.py [--reps 5] [--only NAME]
      .venv/bin/python bench/waf.py --history [--reps 5] [--history-items 100000] [--old-layout-items 14000]
                                    [--stock-query]
`--stock-query` runs moto's own DynamoDB Query, which walks every item of the table, instead of the emulator
extension that reads only the queried partition as DynamoDB does (candlefish_ops/local/moto/extensions/dynamodb_query.py).
"""

from __future__ import annotations

import argparse
import ipaddress
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ENV = "bench"
CONFIG = "project: candlefish\nprotected: false\nstacks:\n  security:\n    template: security.yaml\n"


def hosts(count: int, start: str = "11.0.0.0") -> list[str]:
    first = int(ipaddress.ip_address(start))
    return [f"{ipaddress.ip_address(first + i)}/32" for i in range(count)]


def create_state(session) -> str:
    """The block/allow sets and the ledger table, as the security stack creates them; returns block-v4's id."""
    wafv2 = session.client("wafv2", region_name="us-east-1")
    ids = {}
    for kind in ("block", "allow"):
        for version, ip_version in (("v4", "IPV4"), ("v6", "IPV6")):
            answer = wafv2.create_ip_set(Name=f"{ENV}-candlefish-{kind}-{version}", Scope="CLOUDFRONT",
                                         IPAddressVersion=ip_version, Addresses=[])
            ids[(kind, version)] = answer["Summary"]["Id"]
    session.client("dynamodb", region_name="us-east-1").create_table(
        TableName=f"{ENV}-candlefish-waf-ledger", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    return ids[("block", "v4")]


def prefill(session, set_id: str, addresses: list[str]) -> None:
    """A set and ledger already holding `addresses` (written directly; not measured)."""
    from candlefish_ops.aws.dynamodb import DynamoTable
    from candlefish_ops.waf.ledger import ACTIVE, LedgerEntry

    wafv2 = session.client("wafv2", region_name="us-east-1")
    name = f"{ENV}-candlefish-block-v4"
    token = wafv2.get_ip_set(Name=name, Scope="CLOUDFRONT", Id=set_id)["LockToken"]
    wafv2.update_ip_set(Name=name, Scope="CLOUDFRONT", Id=set_id, Addresses=addresses, LockToken=token)
    stamp = "2026-01-01T00:00:00Z"
    DynamoTable(session, "us-east-1", f"{ENV}-candlefish-waf-ledger").put_items(
        LedgerEntry("block", "v4", a, ACTIVE, reason="prefill", added_by="bench", added_at=stamp,
                    updated_at=stamp).to_item() for a in addresses)


def candlefish_import(session, config_dir: Path, file: Path) -> None:
    """What `candlefish waf import bench FILE` does, on this session."""
    from candlefish_ops.config import load_environment
    from candlefish_ops.waf.files import read_import_file
    from candlefish_ops.waf.service import WafManager

    manager = WafManager(session, load_environment(config_dir, ENV))
    result = manager.execute(manager.plan_add("block", read_import_file(file), reason="bench"))
    assert sum(len(s.added) for s in result.sets) == len(file.read_text().split()), "not everything was added"


def by_hand(session, set_id: str, addresses: list[str]) -> None:
    wafv2 = session.client("wafv2", region_name="us-east-1")
    name = f"{ENV}-candlefish-block-v4"
    for address in addresses:
        answer = wafv2.get_ip_set(Name=name, Scope="CLOUDFRONT", Id=set_id)
        current = answer["IPSet"]["Addresses"]
        wafv2.update_ip_set(Name=name, Scope="CLOUDFRONT", Id=set_id, Addresses=current + [address],
                            LockToken=answer["LockToken"])


SCENARIOS = {
    "import-10000-into-empty": (0, 10_000, "candlefish"),
    "import-1000-into-9000": (9_000, 1_000, "candlefish"),
    "import-100-into-empty": (0, 100, "candlefish"),
    "by-hand-100-into-empty": (0, 100, "by-hand"),
}


class OpTimer:
    """Wall time spent inside each API operation (before-call to after-call), to show where time goes."""

    def __init__(self, session) -> None:
        self.seconds: Counter = Counter()
        self._started = 0.0
        session.events.register("before-call", self._before)
        session.events.register("after-call", self._after)

    def _before(self, model, **_kwargs) -> None:
        self._started = time.perf_counter()

    def _after(self, model, **_kwargs) -> None:
        self.seconds[f"{model.service_model.service_name}.{model.name}"] += time.perf_counter() - self._started


def run_once(endpoint: str, workdir: Path, name: str) -> tuple[float, Counter, Counter]:
    import boto3

    from candlefish_ops.aws.base import CallCounter
    from candlefish_ops.local.emulator import reset_endpoint

    existing, new, how = SCENARIOS[name]
    reset_endpoint(endpoint)
    setup = boto3.Session(region_name="us-east-1")
    set_id = create_state(setup)
    everything = hosts(existing + new)
    if existing:
        prefill(setup, set_id, everything[:existing])
    file = workdir / f"{name}.txt"
    file.write_text("\n".join(everything[existing:]) + "\n", encoding="utf-8")
    session = boto3.Session(region_name="us-east-1")
    counter = CallCounter(session)
    timer = OpTimer(session)
    started = time.perf_counter()
    if how == "candlefish":
        candlefish_import(session, workdir, file)
    else:
        by_hand(session, set_id, everything[existing:])
    elapsed = time.perf_counter() - started
    return elapsed, counter.calls, timer.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--only", action="append", choices=sorted(SCENARIOS))
    args = parser.parse_args()

    from candlefish_ops.local.emulator import Emulator, point_sdk_at

    emulator = Emulator()
    endpoint = emulator.start()
    point_sdk_at(endpoint, "us-east-1")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / f"{ENV}.yaml").write_text(CONFIG, encoding="utf-8")
        for name in args.only or list(SCENARIOS):
            times, calls, spent = [], None, Counter()
            for _ in range(args.reps):
                elapsed, calls, seconds = run_once(endpoint, workdir, name)
                times.append(elapsed)
                spent.update(seconds)
                print(f"  {name}: {elapsed:.2f} s", file=sys.stderr, flush=True)
            in_calls = {op: total / args.reps for op, total in spent.items()}
            rows.append((name, calls, statistics.median(times), min(times), max(times), in_calls))
    emulator.stop()
    print_table(rows, args.reps)


def print_table(rows, reps: int) -> None:
    print(f"| scenario | API calls (total) | by operation | wall s, median of {reps} (min-max) | "
          "mean s inside calls, by operation |")
    print("|---|---|---|---|---|")
    for name, calls, median, low, high, in_calls in rows:
        detail = ", ".join(f"{op} {n}" for op, n in sorted(calls.items()))
        spent = ", ".join(f"{op} {s:.2f}" for op, s in sorted(in_calls.items(), key=lambda kv: -kv[1]) if s >= 0.05)
        print(f"| {name} | {sum(calls.values())} | {detail} | {median:.2f} ({low:.2f}-{high:.2f}) | {spent} |")


# ---- --history: command time against the size of the ledger's history --------------------------------------

def seed_history(count: int, partition: str, start: str = "100.0.0.0") -> None:
    """`count` removal records in `partition` of the ledger table, put straight into moto's backend."""
    from moto.dynamodb.models import dynamodb_backends

    from candlefish_ops.local.emulator import LOCAL_ACCOUNT_ID

    table = dynamodb_backends[LOCAL_ACCOUNT_ID]["us-east-1"].get_table(f"{ENV}-candlefish-waf-ledger")
    stamp, by = "2026-01-01T00:00:00Z", "arn:aws:iam::123456789012:user/bench"
    for index, address in enumerate(hosts(count, start)):
        removed_at = f"2026-01-01T00:{index // 60 % 60:02d}:{index % 60:02d}Z"
        sk = address if partition.startswith("block") else f"{address}#{removed_at}"
        table.put_item({"pk": {"S": partition}, "sk": {"S": sk}, "kind": {"S": "block"}, "version": {"S": "v4"},
                        "address": {"S": address}, "status": {"S": "removed"}, "reason": {"S": "bench history"},
                        "added_by": {"S": by}, "added_at": {"S": stamp}, "origin": {"S": "candlefish"},
                        "updated_at": {"S": stamp}, "removed_by": {"S": by}, "removed_at": {"S": removed_at},
                        "removed_reason": {"S": "unblock-ip"}, "ttl": {"N": "4102444800"}})


def cli_command(config_dir: Path, *args: str) -> float:
    """One `candlefish waf ...` run in-process (as the console script runs it); its wall time."""
    from typer.testing import CliRunner

    from candlefish_ops.cli import app

    started = time.perf_counter()
    result = CliRunner().invoke(app, ["waf", *args, "--config-dir", str(config_dir)])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    return elapsed


HISTORY_SCENARIOS = {  # name -> (history items, partition they are stored in)
    "empty ledger": (0, ""),
    "history partition": (None, "history#block#v4"),
    "old layout, not yet moved": (-1, "block#v4"),
}


def run_history(endpoint: str, workdir: Path, reps: int, items: int, old_items: int) -> list[tuple]:
    import boto3

    from candlefish_ops.local.emulator import reset_endpoint

    rows, new = [], iter(hosts(10_000, "198.18.0.0"))
    for name, (count, partition) in HISTORY_SCENARIOS.items():
        count = items if count is None else old_items if count == -1 else count
        if partition == "block#v4" and not count:
            continue
        reset_endpoint(endpoint)
        create_state(boto3.Session(region_name="us-east-1"))
        seeded = time.perf_counter()
        if count:
            seed_history(count, partition)
        seeded = time.perf_counter() - seeded
        if partition == "block#v4":  # the first writing command moves ARCHIVE_PER_SET of them
            rows.append((name, count, "first block-ip (moves 500)", [cli_command(workdir, "block-ip", ENV,
                                                                                  next(new))], seeded))
            reset_endpoint(endpoint)
            create_state(boto3.Session(region_name="us-east-1"))
            seed_history(count, partition)
        for label, args in (("block-ip 1 address", lambda: ("block-ip", ENV, next(new))),
                            ("list", lambda: ("list", ENV))):
            if partition == "block#v4" and label != "list":
                continue  # a block-ip would move part of the old layout: measured once above
            times = []
            for _ in range(reps):
                times.append(cli_command(workdir, *args()))
                print(f"  {name} / {label}: {times[-1]:.2f} s", file=sys.stderr, flush=True)
            rows.append((name, count, label, times, seeded))
    return rows


def print_history(rows, reps: int) -> None:
    import resource

    base = {label: statistics.median(times) for name, _c, label, times, _s in rows if name == "empty ledger"}
    print(f"| ledger | history items | command | wall s, median of {reps} (min-max) | vs empty ledger |")
    print("|---|---|---|---|---|")
    for name, count, label, times, _seeded in rows:
        median = statistics.median(times)
        ratio = f"{median / base[label]:.2f}x" if label in base else ""
        print(f"| {name} | {count:,} | {label} | {median:.2f} ({min(times):.2f}-{max(times):.2f}) | {ratio} |")
    print(f"\npeak RSS of the bench process (emulator included): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    if "--history" in sys.argv:
        parser = argparse.ArgumentParser()
        parser.add_argument("--history", action="store_true")
        parser.add_argument("--reps", type=int, default=5)
        parser.add_argument("--history-items", type=int, default=100_000)
        parser.add_argument("--old-layout-items", type=int, default=14_000)
        parser.add_argument("--stock-query", action="store_true")
        options = parser.parse_args()
        from candlefish_ops.local.emulator import Emulator, point_sdk_at

        emulator = Emulator()
        point_sdk_at(emulator.start(), "us-east-1")
        if options.stock_query:
            from moto.dynamodb.models.table import Table

            Table.query = Table.query.moto_original
        print(f"DynamoDB Query: {'moto stock (walks the whole table)' if options.stock_query else 'one partition'}")
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / f"{ENV}.yaml").write_text(CONFIG, encoding="utf-8")
            found = run_history(emulator.endpoint, Path(tmp), options.reps, options.history_items,
                                options.old_layout_items)
        emulator.stop()
        print_history(found, options.reps)
    else:
        main()
