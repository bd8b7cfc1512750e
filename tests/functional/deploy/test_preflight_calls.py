"""The preflight of a deployed production reads each thing once: every AWS read (operation and arguments)
at most once per region, and one client per service and region, shared by the checks and the deploy.

Counted with botocore's event hooks on the session (as bench/deploy.py does), against the emulator."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "config"


def _counting_session(region: str):
    import boto3

    session = boto3.Session(region_name=region)
    reads: Counter = Counter()
    clients: Counter = Counter()

    def read(model, params, context, **_):
        arguments = repr(sorted(params.items()))
        reads[(model.service_model.service_name, model.name, context.get("client_region"), arguments)] += 1

    session.events.register("before-parameter-build", read)
    session.events.register("creating-client-class", lambda class_attributes, **kwargs: clients.update(
        [kwargs["event_name"].rsplit(".", 1)[-1]]))
    return session, reads, clients


def test_preflight_of_production_reads_each_thing_once_per_region(aws, cli):
    from candlefish_ops.config import load_environment
    from candlefish_ops.deploy.plan import plan_deploy
    from candlefish_ops.dns.delegation import default_resolver
    from candlefish_ops.preflight.service import run_preflight

    deployed = cli("deploy", "production", "--yes", "--config-dir", CONFIG)
    assert deployed.exit_code == 0, deployed.stderr
    environment = load_environment(CONFIG, "production")
    session, reads, clients = _counting_session(environment.region)

    report = run_preflight(session, environment, plan_deploy(environment).targets,
                           resolver=default_resolver(True, aws.endpoint))

    assert {c.name for c in report.checks} >= {"waf-capacity", "lambda-concurrency", "subnet-cidr", "zone-delegation"}
    assert report.ok, [c.to_dict() for c in report.failed]
    repeated = {key: n for key, n in reads.items() if n > 1}
    assert not repeated, repeated
    per_region = Counter((service, operation, region) for service, operation, region, _ in reads)
    regions = {region for _, _, region, _ in reads}
    assert regions == {"us-east-1", "eu-west-1", "ap-southeast-1"}
    for account_read in (("lambda", "GetAccountSettings"), ("ec2", "DescribeAvailabilityZones")):
        assert {per_region[(*account_read, region)] for region in regions} == {1}, account_read
    # one client per service and region (making one costs more than a call)
    services_and_regions = {(service, region) for service, _, region, _ in reads}
    assert sum(clients.values()) == len(services_and_regions), (clients, services_and_regions)


def test_clients_are_made_once_per_session_service_and_region(aws):
    import boto3

    from candlefish_ops.aws.base import CallCounter, client

    session = boto3.Session(region_name="us-east-1")
    first = client(session, "cloudformation", "eu-west-1")
    assert client(session, "cloudformation", "eu-west-1") is first
    assert client(session, "cloudformation", "us-east-1") is not first
    assert client(boto3.Session(region_name="us-east-1"), "cloudformation", "eu-west-1") is not first
    counter = CallCounter(session)  # counts the calls of clients made before it, too
    first.describe_stacks()
    client(session, "lambda", "eu-west-1").get_account_settings()
    assert counter.calls == {"cloudformation.DescribeStacks": 1, "lambda.GetAccountSettings": 1}


def test_clients_go_with_their_session(aws):
    import gc

    import boto3

    from candlefish_ops.aws import base

    session = boto3.Session(region_name="us-east-1")
    base.client(session, "sts")
    sessions_before = len(base._CLIENTS)
    del session
    gc.collect()
    assert len(base._CLIENTS) == sessions_before - 1  # the cache keeps no session (nor its clients) alive


def test_a_changed_aws_environment_gets_its_own_client(aws, monkeypatch):
    import boto3

    from candlefish_ops.aws.base import client

    session = boto3.Session(region_name="us-east-1")
    first = client(session, "sts")
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint.rstrip("/") + "/")
    second = client(session, "sts")
    assert second is not first and second.meta.endpoint_url == aws.endpoint.rstrip("/") + "/"
