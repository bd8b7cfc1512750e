"""A no-op redeploy reads each stack (DescribeStacks + GetTemplate) and creates no change set, unless what
would be sent differs from what the stack holds, or --force."""

from __future__ import annotations

from collections import Counter


def _engine_deploy(project_dir, force=False):
    import boto3

    from candlefish_ops.aws.base import CallCounter
    from candlefish_ops.config import load_environment
    from candlefish_ops.deploy.executor import SilentHooks
    from candlefish_ops.deploy.plan import plan_deploy
    from candlefish_ops.deploy.service import run_deploy

    environment = load_environment(project_dir, "staging")
    session = boto3.Session(region_name="us-east-1")
    counter = CallCounter(session)
    report = run_deploy(session, environment, plan_deploy(environment), SilentHooks(), assume_yes=True,
                        parallel=2, recreate_failed=False, force=force)
    return report, Counter(counter.calls)


def test_a_no_op_costs_two_reads_per_stack_and_force_still_makes_change_sets(aws, cli, project):
    assert cli("deploy", "staging", "--config-dir", project.config_dir).exit_code == 0
    report, calls = _engine_deploy(project.config_dir)
    assert {r.result for r in report.results} == {"unchanged"}
    assert calls == Counter({"cloudformation.DescribeStacks": 4, "cloudformation.GetTemplate": 4})

    report, calls = _engine_deploy(project.config_dir, force=True)
    assert {r.result for r in report.results} == {"unchanged"}
    assert calls["cloudformation.CreateChangeSet"] == 4
    assert "cloudformation.ExecuteChangeSet" not in calls
    for region, name in (("us-east-1", "fixture-staging-base"), ("eu-west-1", "fixture-staging-app")):
        assert aws.client("cloudformation", region).list_change_sets(StackName=name)["Summaries"] == []


def test_a_stack_changed_outside_candlefish_is_never_taken_for_a_no_op(aws, cli, project):
    assert cli("deploy", "staging", "--config-dir", project.config_dir).exit_code == 0
    cfn = aws.client("cloudformation", "eu-west-1")
    live = cfn.describe_stacks(StackName="fixture-staging-app")["Stacks"][0]
    parameters = [{"ParameterKey": p["ParameterKey"], "ParameterValue": p["ParameterValue"]} for p in live["Parameters"]]
    parameters = [p if p["ParameterKey"] != "QueueSuffix" else {**p, "ParameterValue": "by-hand"} for p in parameters]
    cfn.update_stack(StackName="fixture-staging-app", UsePreviousTemplate=True, Parameters=parameters,
                     Tags=live["Tags"])

    result = cli("deploy", "staging", "--config-dir", project.config_dir, "-o", "json")
    assert result.exit_code == 0, result.stderr
    outcome = {(s["stack"], s["region"]): s["result"] for s in result.json()["stacks"]}
    assert outcome[("app", "eu-west-1")] == "updated"
    assert {v for k, v in outcome.items() if k != ("app", "eu-west-1")} == {"unchanged"}
    live = cfn.describe_stacks(StackName="fixture-staging-app")["Stacks"][0]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in live["Parameters"]}["QueueSuffix"] == "jobs"
