"""Stateful resources are protected against replacement: `deploy` refuses a change set that replaces or
removes one unless `--allow-replacement TYPE/LOGICAL_ID` names it, and protected (production) stacks carry a
stack policy denying Update:Replace / Update:Delete on stateful types, which the emulator enforces as AWS does."""

from __future__ import annotations

import json

TABLE = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  TableName:
    Type: String
  ReadTimeout:
    Type: Number
    Default: 5
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Ref TableName
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: !Ref ReadTimeout
"""

QUEUE_ONLY = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  TableName:
    Type: String
  ReadTimeout:
    Type: Number
    Default: 5
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: !Ref ReadTimeout
"""


def _config(table: str, timeout: int = 5, protected: bool = True) -> str:
    return f"""
        project: fixture
        protected: {str(protected).lower()}
        stacks:
          data:
            template: data.yaml
            parameters:
              TableName: {table}
              ReadTimeout: {timeout}
        """


def _tables(aws) -> list[str]:
    return aws.client("dynamodb").list_tables()["TableNames"]


def _deploy(cli, project, *extra):
    return cli("deploy", "production", "--yes", "--config-dir", project.config_dir, "-o", "json", *extra)


def test_a_replacing_change_set_is_refused_until_allowed(aws, cli, project):
    project.write("templates/data.yaml", TABLE)
    project.write("config/production.yaml", _config("orders"))
    assert _deploy(cli, project).exit_code == 0

    project.write("config/production.yaml", _config("orders-v2", timeout=30))
    refused = _deploy(cli, project)
    assert refused.exit_code == 1
    [stack] = refused.json()["stacks"]
    assert stack["result"] == "failed"
    assert "AWS::DynamoDB::Table/Table (replaced)" in stack["message"]
    assert "--allow-replacement AWS::DynamoDB::Table/Table" in stack["message"]
    assert {"action": "Modify", "logical_id": "Table", "type": "AWS::DynamoDB::Table",
            "replacement": "True"} in stack["changes"]
    assert _tables(aws) == ["orders"]  # nothing executed, not even the queue's change
    cfn = aws.client("cloudformation")
    assert cfn.list_change_sets(StackName="fixture-production-data")["Summaries"] == []
    queue_url = aws.client("sqs").get_queue_url(QueueName=cfn.describe_stack_resource(
        StackName="fixture-production-data", LogicalResourceId="Queue")["StackResourceDetail"]["PhysicalResourceId"]
        .rsplit("/", 1)[-1])["QueueUrl"]
    assert aws.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"])[
        "Attributes"]["VisibilityTimeout"] == "5"

    planned = cli("deploy", "production", "--plan", "--config-dir", project.config_dir)
    assert planned.exit_code == 0
    assert "[replacement]" in planned.stdout and "a deploy would refuse this change set" in planned.stdout

    allowed = _deploy(cli, project, "--allow-replacement", "AWS::DynamoDB::Table/Table")
    assert allowed.exit_code == 0, allowed.stdout + allowed.stderr
    assert _tables(aws) == ["orders-v2"]


def test_removing_a_stateful_resource_is_refused(aws, cli, project):
    project.write("templates/data.yaml", TABLE)
    project.write("config/production.yaml", _config("orders", protected=False))
    assert _deploy(cli, project).exit_code == 0
    project.write("templates/data.yaml", QUEUE_ONLY)
    refused = _deploy(cli, project)
    assert refused.exit_code == 1
    assert "AWS::DynamoDB::Table/Table (removed)" in refused.json()["stacks"][0]["message"]
    assert _tables(aws) == ["orders"]


def test_bad_allow_replacement_is_one_line_and_changes_nothing(aws, cli, project):
    project.write("templates/data.yaml", TABLE)
    project.write("config/production.yaml", _config("orders"))
    result = _deploy(cli, project, "--allow-replacement", "Table")
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "TYPE/LOGICAL_ID" in result.stderr
    assert aws.client("cloudformation").describe_stacks()["Stacks"] == []


def test_protected_stacks_carry_a_stack_policy_that_cloudformation_enforces(aws, cli, project):
    project.write("templates/data.yaml", TABLE)
    project.write("config/production.yaml", _config("orders"))
    assert _deploy(cli, project).exit_code == 0
    cfn = aws.client("cloudformation")
    policy = json.loads(cfn.get_stack_policy(StackName="fixture-production-data")["StackPolicyBody"])
    deny = next(s for s in policy["Statement"] if s["Effect"] == "Deny")
    assert set(deny["Action"]) == {"Update:Replace", "Update:Delete"}
    assert "AWS::DynamoDB::Table" in deny["Condition"]["StringEquals"]["ResourceType"]

    # someone replaces the table outside candlefish: CloudFormation refuses and rolls back
    change_set = cfn.create_change_set(
        StackName="fixture-production-data", ChangeSetName="by-hand", ChangeSetType="UPDATE",
        TemplateBody=(project.templates / "data.yaml").read_text(),
        Parameters=[{"ParameterKey": "TableName", "ParameterValue": "by-hand"}])["Id"]
    cfn.get_waiter("change_set_create_complete").wait(ChangeSetName=change_set)
    cfn.execute_change_set(ChangeSetName=change_set)
    stack = cfn.describe_stacks(StackName="fixture-production-data")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    reasons = [e.get("ResourceStatusReason", "") for e in cfn.describe_stack_events(
        StackName="fixture-production-data")["StackEvents"]]
    assert any("denied by stack policy" in reason for reason in reasons)
    assert _tables(aws) == ["orders"]


def test_unprotected_stacks_get_no_stack_policy(aws, cli, project):
    project.write("templates/data.yaml", TABLE)
    project.write("config/production.yaml", _config("orders", protected=False))
    assert _deploy(cli, project).exit_code == 0
    assert not aws.client("cloudformation").get_stack_policy(StackName="fixture-production-data").get("StackPolicyBody")


def _engine_redeploy(project_dir, **options):
    """A redeploy through the engine, counting the CloudFormation calls it makes."""
    from collections import Counter

    import boto3

    from candlefish_ops.aws.base import CallCounter
    from candlefish_ops.config import load_environment
    from candlefish_ops.deploy.executor import SilentHooks
    from candlefish_ops.deploy.plan import plan_deploy
    from candlefish_ops.deploy.service import run_deploy

    environment = load_environment(project_dir, "production")
    session = boto3.Session(region_name="us-east-1")
    counter = CallCounter(session)
    report = run_deploy(session, environment, plan_deploy(environment, **options), SilentHooks(), assume_yes=True,
                        parallel=1, recreate_failed=False)
    return report, Counter(c for c in counter.calls if c.startswith("cloudformation."))


def _policy(cfn) -> dict | None:
    body = cfn.get_stack_policy(StackName="fixture-production-data").get("StackPolicyBody")
    return json.loads(body) if body else None


def test_an_unchanged_stack_gets_the_stack_policy_without_a_change_set(aws, cli, project):
    """A stack deployed before its environment was protected (or whose policy was changed by hand) is a
    no-op otherwise: the redeploy reads the policy and sets it, and makes no change set."""
    from candlefish_ops.deploy.guard import stack_policy

    project.write("templates/data.yaml", TABLE)
    project.write("config/production.yaml", _config("orders", protected=False))
    assert _deploy(cli, project).exit_code == 0
    cfn = aws.client("cloudformation")
    assert _policy(cfn) is None

    project.write("config/production.yaml", _config("orders"))
    planned = cli("deploy", "production", "--plan", "--config-dir", project.config_dir)
    assert planned.exit_code == 0 and _policy(cfn) is None  # --plan changes nothing
    report, calls = _engine_redeploy(project.config_dir)  # the template was verified by --plan: not read again
    assert [(r.result, r.action) for r in report.results] == [("unchanged", "none")]
    assert calls == {"cloudformation.DescribeStacks": 1, "cloudformation.GetStackPolicy": 1,
                     "cloudformation.SetStackPolicy": 1}
    assert _policy(cfn) == json.loads(stack_policy())

    report, calls = _engine_redeploy(project.config_dir)  # now equal: two reads, no write
    assert [r.result for r in report.results] == ["unchanged"]
    assert calls == {"cloudformation.DescribeStacks": 1, "cloudformation.GetStackPolicy": 1}

    cfn.set_stack_policy(StackName="fixture-production-data", StackPolicyBody=json.dumps({"Statement": [
        {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"}]}))
    result = _deploy(cli, project)
    assert result.exit_code == 0 and result.json()["stacks"][0]["result"] == "unchanged"
    assert _policy(cfn) == json.loads(stack_policy())
    assert cfn.list_change_sets(StackName="fixture-production-data")["Summaries"] == []
