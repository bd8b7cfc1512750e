"""Benchmark `candlefish waf import`: API calls by operation and wall time (median of N), on the in-process
emulator, side by side with the by-hand way (one read-modify-write of the whole set per address).

Scenarios (each repetition starts from a reset emulator; setup is not measured):
  import-10000-into-empty   10,000 IPv4 /32s into an empty block set
  import-1000-into-9000     1,000 more into a set (and ledger) already holding 9,000
  import-100-into-empty     100 addresses, candlefish
  by-hand-100-into-empty    100 addresses, one GetIPSet + UpdateIPSet each (what a shell loop over
                            `aws wafv2` does), no ledger

Run:  /work/venv/bin/python bench/waf.py [--reps 5] [--only NAME]
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


if __name__ == "__main__":
    main()
