"""A no-op redeploy reads each stack (DescribeStacks + GetTemplate, then DescribeStacks alone while the stack's
revision is one verified before) and creates no change set, unless what would be sent differs from what the
stack holds, or --force. The deploy's survey finds the unchanged stacks before the preflight."""

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


def test_a_verified_revision_costs_one_read_and_an_update_made_outside_is_read_again(aws, cli, project):
    """Once a stack's template was read back equal, the next no-op reads the stack alone while its
    LastUpdatedTime is the same; an update made outside candlefish moves it, so the template is read again."""
    assert cli("deploy", "staging", "--config-dir", project.config_dir).exit_code == 0
    _report, calls = _engine_deploy(project.config_dir)
    assert calls == Counter({"cloudformation.DescribeStacks": 4, "cloudformation.GetTemplate": 4})
    report, calls = _engine_deploy(project.config_dir)
    assert {r.result for r in report.results} == {"unchanged"}
    assert calls == Counter({"cloudformation.DescribeStacks": 4})

    cfn = aws.client("cloudformation", "eu-west-1")
    live = cfn.describe_stacks(StackName="fixture-staging-app")["Stacks"][0]
    ours = cfn.get_template(StackName="fixture-staging-app")["TemplateBody"]
    by_hand = ours.replace("app layer, one per region", "app layer, edited by hand")
    cfn.update_stack(StackName="fixture-staging-app", TemplateBody=by_hand, Tags=live["Tags"],
                     Capabilities=live["Capabilities"],
                     Parameters=[{"ParameterKey": p["ParameterKey"], "ParameterValue": p["ParameterValue"]}
                                 for p in live["Parameters"]])
    edited = cfn.describe_stacks(StackName="fixture-staging-app")["Stacks"][0]
    assert edited["LastUpdatedTime"] > live.get("LastUpdatedTime", live["CreationTime"])

    report, calls = _engine_deploy(project.config_dir)
    outcome = {(r.key, r.region): r.result for r in report.results}
    assert outcome.pop(("app", "eu-west-1")) == "updated"
    assert set(outcome.values()) == {"unchanged"}
    assert calls["cloudformation.GetTemplate"] == 1 and calls["cloudformation.ExecuteChangeSet"] == 1
    assert cfn.get_template(StackName="fixture-staging-app")["TemplateBody"] == ours
    _report, calls = _engine_deploy(project.config_dir)  # the change set moved the revision: read once more
    assert calls == Counter({"cloudformation.DescribeStacks": 4, "cloudformation.GetTemplate": 1})


def test_a_dependent_of_a_changed_stack_is_never_taken_unchanged_from_the_old_outputs(aws, cli, project):
    """The survey before the preflight finds unchanged stacks; a stack whose dependency changes is left to
    the run, which resolves its parameters from the dependency's new outputs."""
    project.write("templates/base.yaml", """
        Parameters:
          Environment:
            Type: String
        Resources:
          Assets:
            Type: AWS::S3::Bucket
        Outputs:
          AssetsBucketName:
            Value: !Sub "${Environment}-label"
        """)
    assert cli("deploy", "staging", "--config-dir", project.config_dir).exit_code == 0
    project.write("config/staging.yaml", (project.config_dir / "staging.yaml").read_text()
                  .replace("Environment: staging", "Environment: renamed"))

    result = cli("deploy", "staging", "--config-dir", project.config_dir, "-o", "json")

    assert result.exit_code == 0, result.stderr
    results = {(s["stack"], s["region"]): s["result"] for s in result.json()["stacks"]}
    assert [results[("base", "us-east-1")], results[("app", "us-east-1")], results[("app", "eu-west-1")]] == \
        ["updated", "updated", "updated"]
    for region in ("us-east-1", "eu-west-1"):
        app = aws.client("cloudformation", region).describe_stacks(StackName="fixture-staging-app")["Stacks"][0]
        assert {p["ParameterKey"]: p["ParameterValue"] for p in app["Parameters"]}["AssetsBucket"] == "renamed-label"


def test_a_no_op_deploy_runs_no_preflight_check_and_force_runs_them_all(aws, cli):
    """Nothing is sent for an unchanged stack, so AWS refuses nothing: the preflight checks only the stacks
    the deploy changes (none here); --force makes change sets for all, so all are checked."""
    from pathlib import Path

    config = str(Path(__file__).resolve().parents[3] / "config")
    assert cli("deploy", "staging", "--yes", "--config-dir", config).exit_code == 0

    again = cli("deploy", "staging", "--yes", "--config-dir", config, "-o", "json")
    assert again.exit_code == 0, again.stderr
    assert {s["result"] for s in again.json()["stacks"]} == {"unchanged"}
    assert again.json()["preflight"]["checks"] == []
    assert "9 of 9 stacks match what is deployed (read back): nothing to check or change" in again.stderr

    forced = cli("deploy", "staging", "--yes", "--force", "--config-dir", config, "-o", "json")
    assert forced.exit_code == 0, forced.stderr
    checked = {c["target"].split(" ")[0] for c in forced.json()["preflight"]["checks"]}
    assert {"network", "api"} <= checked


def test_a_stack_updated_outside_after_the_survey_is_read_again_when_its_batch_comes_late(aws, cli, project):
    """Earlier batches may run for minutes after the survey: a stack surveyed longer ago than SURVEY_FRESH is
    read once more, and an update made meanwhile (its revision moved) is deployed over, not skipped."""
    from dataclasses import replace

    import boto3

    from candlefish_ops.config import load_environment
    from candlefish_ops.deploy.executor import SURVEY_FRESH, SilentHooks, Survey
    from candlefish_ops.deploy.plan import plan_deploy
    from candlefish_ops.deploy.service import run_deploy, survey_deploy

    assert cli("deploy", "staging", "--config-dir", project.config_dir).exit_code == 0
    environment = load_environment(project.config_dir, "staging")
    plan = plan_deploy(environment)
    session = boto3.Session(region_name="us-east-1")
    survey = survey_deploy(session, environment, plan)
    assert set(survey.unchanged) == {t.label for t in plan.targets}

    cfn = aws.client("cloudformation", "eu-west-1")
    live = cfn.describe_stacks(StackName="fixture-staging-app")["Stacks"][0]
    cfn.update_stack(StackName="fixture-staging-app", UsePreviousTemplate=True, Tags=live["Tags"],
                     Capabilities=live["Capabilities"],
                     Parameters=[{"ParameterKey": p["ParameterKey"], "ParameterValue":
                                  "by-hand" if p["ParameterKey"] == "QueueSuffix" else p["ParameterValue"]}
                                 for p in live["Parameters"]])

    aged = Survey({label: replace(found, read_at=found.read_at - SURVEY_FRESH - 1)
                   for label, found in survey.unchanged.items()})
    report = run_deploy(session, environment, plan, SilentHooks(), assume_yes=True, parallel=2,
                        recreate_failed=False, survey=aged)
    outcome = {(r.key, r.region): r.result for r in report.results}
    assert outcome.pop(("app", "eu-west-1")) == "updated"
    assert set(outcome.values()) == {"unchanged"}
    live = cfn.describe_stacks(StackName="fixture-staging-app")["Stacks"][0]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in live["Parameters"]}["QueueSuffix"] == "jobs"
