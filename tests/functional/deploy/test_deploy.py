"""`candlefish deploy` against the emulator, state read back through CloudFormation's own API."""

from __future__ import annotations

import pytest


def stacks(aws, region="us-east-1"):
    cfn = aws.client("cloudformation", region)
    return {s["StackName"]: s for s in cfn.describe_stacks()["Stacks"] if s["StackStatus"] != "DELETE_COMPLETE"}


def outputs(stack):
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def test_first_deploy_creates_every_stack_in_order_and_wires_outputs(aws, cli, project):
    result = cli("deploy", "staging", "--config-dir", project.config_dir, "--output", "json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert [(s["stack"], s["region"], s["result"]) for s in report["stacks"]] == [
        ("base", "us-east-1", "created"), ("app", "us-east-1", "created"),
        ("app", "eu-west-1", "created"), ("edge", "us-east-1", "created")]
    east, west = stacks(aws), stacks(aws, "eu-west-1")
    base = east["fixture-staging-base"]
    assert base["StackStatus"] == "CREATE_COMPLETE"
    assert outputs(base) == {"AssetsBucketName": "staging-fixture-assets"}
    app_west = west["fixture-staging-app"]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in app_west["Parameters"]}["AssetsBucket"] == \
        "staging-fixture-assets"
    assert outputs(app_west)["QueueName"] == "staging-fixture-assets-jobs-eu-west-1"
    edge = east["fixture-staging-edge"]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in edge["Parameters"]} == {
        "EuQueue": "staging-fixture-assets-jobs-eu-west-1"}
    tags = {t["Key"]: t["Value"] for t in edge["Tags"]}
    assert tags == {"Project": "fixture", "Environment": "staging", "ManagedBy": "candlefish",
                    "CostCenter": "platform"}
    sqs = aws.client("sqs", "eu-west-1")
    assert sqs.get_queue_url(QueueName="staging-fixture-assets-jobs-eu-west-1")["QueueUrl"]


def test_redeploy_without_changes_executes_nothing(aws, cli, project):
    assert cli("deploy", "staging", "--config-dir", project.config_dir).exit_code == 0
    before = {name: s.get("LastUpdatedTime") for name, s in stacks(aws).items()}
    result = cli("deploy", "staging", "--config-dir", project.config_dir, "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert {s["result"] for s in result.json()["stacks"]} == {"unchanged"}
    assert {name: s.get("LastUpdatedTime") for name, s in stacks(aws).items()} == before
    cfn = aws.client("cloudformation")
    for name in before:
        assert cfn.list_change_sets(StackName=name)["Summaries"] == []


def test_changed_template_updates_only_that_stack_and_shows_the_diff(aws, cli, project):
    assert cli("deploy", "staging", "--config-dir", project.config_dir).exit_code == 0
    project.write("templates/edge.yaml", """
        AWSTemplateFormatVersion: "2010-09-09"
        Parameters:
          EuQueue:
            Type: String
        Resources:
          Alerts:
            Type: AWS::SNS::Topic
            Properties:
              TopicName: !Sub "alerts-for-${EuQueue}"
          Audit:
            Type: AWS::SNS::Topic
            Properties:
              TopicName: audit
        Outputs:
          TopicArn:
            Value: !Ref Alerts
          AuditArn:
            Value: !Ref Audit
    """)
    result = cli("deploy", "staging", "--config-dir", project.config_dir)
    assert result.exit_code == 0, result.stderr
    assert "+ Audit (AWS::SNS::Topic)" in result.stdout
    edge = stacks(aws)["fixture-staging-edge"]
    assert edge["StackStatus"] == "UPDATE_COMPLETE"
    assert "AuditArn" in outputs(edge)
    assert stacks(aws)["fixture-staging-base"]["StackStatus"] == "CREATE_COMPLETE"


def test_plan_creates_and_deletes_change_sets_and_leaves_nothing(aws, cli, project):
    result = cli("deploy", "staging", "--plan", "--config-dir", project.config_dir)
    assert result.exit_code == 0, result.stderr
    assert "+ Assets (AWS::S3::Bucket)" in result.stdout
    assert stacks(aws) == {}
    assert stacks(aws, "eu-west-1") == {}
    assert aws.client("s3").list_buckets()["Buckets"] == []


def test_plan_after_deploy_shows_a_modification(aws, cli, project):
    assert cli("deploy", "staging", "--config-dir", project.config_dir).exit_code == 0
    project.write("config/staging.yaml", (project.config_dir / "staging.yaml").read_text().replace(
        "AssetsBucket: ${base.AssetsBucketName}", "AssetsBucket: ${base.AssetsBucketName}\n      QueueSuffix: work"))
    result = cli("deploy", "staging", "--plan", "--config-dir", project.config_dir, "-o", "json")
    assert result.exit_code == 0, result.stderr
    app = [s for s in result.json()["stacks"] if s["stack"] == "app"]
    assert {s["result"] for s in app} == {"planned"}
    assert app[0]["changes"] == [{"action": "Modify", "logical_id": "Jobs", "type": "AWS::SQS::Queue",
                                  "replacement": "True"}]  # QueueName changed: "Update requires: Replacement"
    assert all(s["StackStatus"] == "CREATE_COMPLETE" for s in stacks(aws).values())
    assert aws.client("cloudformation").list_change_sets(StackName="fixture-staging-app")["Summaries"] == []


def test_production_refuses_without_yes_when_not_interactive(aws, cli, project, monkeypatch):
    monkeypatch.setenv("CANDLEFISH_CONFIRM_LOCAL", "1")  # the emulator is on loopback: rehearse as on AWS
    result = cli("deploy", "production", "--config-dir", project.config_dir)
    assert result.exit_code == 1
    assert "refusing without --yes" in result.stderr
    assert stacks(aws) == {}


def test_production_with_yes_gets_termination_protection(aws, cli, project):
    result = cli("--yes", "deploy", "production", "--config-dir", project.config_dir, "--only", "base")
    assert result.exit_code == 0, result.stderr
    base = aws.client("cloudformation").describe_stacks(StackName="fixture-production-base")["Stacks"][0]
    assert base["EnableTerminationProtection"] is True


def test_failed_stack_skips_dependents_and_independent_stacks_finish(aws, cli, project):
    # An SQS queue name that the emulator rejects makes the app stacks fail at execution.
    project.write("templates/app.yaml", """
        AWSTemplateFormatVersion: "2010-09-09"
        Parameters:
          AssetsBucket:
            Type: String
          QueueSuffix:
            Type: String
            Default: jobs
        Resources:
          Jobs:
            Type: AWS::SQS::Queue
            Properties:
              QueueName: "not a valid queue name!!"
        Outputs:
          QueueName:
            Value: !GetAtt Jobs.QueueName
    """)
    result = cli("deploy", "staging", "--config-dir", project.config_dir, "-o", "json")
    assert result.exit_code == 1
    by_stack = {(s["stack"], s["region"]): s for s in result.json()["stacks"]}
    assert by_stack[("base", "us-east-1")]["result"] == "created"
    assert by_stack[("app", "us-east-1")]["result"] == "failed"
    assert "ROLLBACK_COMPLETE" in by_stack[("app", "us-east-1")]["message"]
    assert by_stack[("edge", "us-east-1")]["result"] == "skipped"
    assert "fixture-staging-edge" not in stacks(aws)


def test_rollback_complete_is_reported_then_recreated_on_request(aws, cli, project, emulator_endpoint):
    assert cli("deploy", "staging", "--config-dir", project.config_dir, "--only", "base").exit_code == 0
    force_status("fixture-staging-base", "ROLLBACK_COMPLETE")
    result = cli("deploy", "staging", "--config-dir", project.config_dir, "--only", "base")
    assert result.exit_code == 1
    assert "--recreate-failed" in result.stdout + result.stderr
    result = cli("deploy", "staging", "--config-dir", project.config_dir, "--only", "base", "--recreate-failed",
                 "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["stacks"][0]["action"] == "recreate"
    assert stacks(aws)["fixture-staging-base"]["StackStatus"] == "CREATE_COMPLETE"


def test_leftover_review_in_progress_stack_is_cleaned_up(aws, cli, project):
    cfn = aws.client("cloudformation")
    cfn.create_change_set(StackName="fixture-staging-base", ChangeSetName="abandoned", ChangeSetType="CREATE",
                          TemplateBody=(project.templates / "base.yaml").read_text(),
                          Parameters=[{"ParameterKey": "Environment", "ParameterValue": "staging"}])
    assert stacks(aws)["fixture-staging-base"]["StackStatus"] == "REVIEW_IN_PROGRESS"
    result = cli("deploy", "staging", "--config-dir", project.config_dir, "--only", "base")
    assert result.exit_code == 0, result.stderr
    assert stacks(aws)["fixture-staging-base"]["StackStatus"] == "CREATE_COMPLETE"


def test_only_reads_dependency_outputs_from_aws(aws, cli, project):
    assert cli("deploy", "staging", "--config-dir", project.config_dir, "--only", "base").exit_code == 0
    result = cli("deploy", "staging", "--config-dir", project.config_dir, "--only", "app", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert {s["result"] for s in result.json()["stacks"]} == {"created"}
    assert set(stacks(aws)) == {"fixture-staging-base", "fixture-staging-app"}


def test_only_without_deployed_dependency_fails_clearly(aws, cli, project):
    result = cli("deploy", "staging", "--config-dir", project.config_dir, "--only", "app", "-o", "json")
    assert result.exit_code == 1
    assert "deploy base first" in result.json()["stacks"][0]["message"]


def test_status_lists_every_stack(aws, cli, project):
    assert cli("deploy", "staging", "--config-dir", project.config_dir, "--only", "base").exit_code == 0
    result = cli("status", "staging", "--config-dir", project.config_dir, "-o", "json")
    assert result.exit_code == 0, result.stderr
    rows = {(r["stack"], r["region"]): r for r in result.json()["stacks"]}
    assert rows[("base", "us-east-1")]["status"] == "CREATE_COMPLETE"
    assert rows[("base", "us-east-1")]["outputs"] == {"AssetsBucketName": "staging-fixture-assets"}
    assert rows[("app", "eu-west-1")]["status"] == "NOT_DEPLOYED"


def force_status(stack_name: str, status: str, region: str = "us-east-1") -> None:
    """Put a stack into a state moto never reaches by itself (see the moto reference)."""
    from moto.cloudformation.models import cloudformation_backends

    backend = cloudformation_backends["123456789012"][region]
    for stack in backend.stacks.values():
        if stack.name == stack_name and stack.status != "DELETE_COMPLETE":
            stack.status = status


def test_bad_config_is_rejected_before_any_change(aws, cli, project):
    project.write("config/staging.yaml", (project.config_dir / "staging.yaml").read_text().replace(
        "Environment: staging", "Environment: staging\n      Colour: red"))
    result = cli("deploy", "staging", "--config-dir", project.config_dir)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {project.config_dir / 'staging.yaml'}: stacks.base.parameters: Colour not declared by "
        "template base.yaml"]
    assert stacks(aws) == {}


def test_missing_credentials_give_one_clear_line(cli, project, monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    result = cli("deploy", "staging", "--config-dir", project.config_dir)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and "no usable AWS credentials" in lines[-1]
    assert "Traceback" not in result.stderr


def test_local_flag_runs_the_real_cli_process_against_a_fresh_emulator(project):
    """What a new user does: a real `candlefish` process, options where habit puts them."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    command = [sys.executable, "-m", "candlefish_ops", "--output", "json", "--local", "deploy", "production",
               "--yes", "--config-dir", str(project.config_dir)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {s["result"] for s in report["stacks"]} == {"created"}
    assert report["not_emulated"] == {"app": [], "base": [], "edge": []}
    assert "local mode" in done.stderr


def test_stack_busy_in_another_operation_is_waited_for_with_a_bound(aws, cli, project):
    assert cli("deploy", "staging", "--config-dir", project.config_dir, "--only", "base").exit_code == 0
    force_status("fixture-staging-base", "UPDATE_IN_PROGRESS")
    result = cli("deploy", "staging", "--config-dir", project.config_dir, "--only", "base", "--timeout", "2",
                 "-o", "json")
    assert result.exit_code == 1
    assert "still UPDATE_IN_PROGRESS after 2s" in result.json()["stacks"][0]["message"]


@pytest.mark.faults
def test_ctrl_c_stops_waiting_and_says_how_to_resume(aws, project, emulator_endpoint):
    """A real process, interrupted while it waits for a busy stack: exit 130, nothing half-made."""
    import os
    import signal
    import subprocess
    import sys

    subprocess_env = {**os.environ, "AWS_ENDPOINT_URL": emulator_endpoint}
    base = [sys.executable, "-m", "candlefish_ops", "deploy", "staging", "--config-dir", str(project.config_dir)]
    assert subprocess.run(base + ["--only", "base"], env=subprocess_env, capture_output=True).returncode == 0
    force_status("fixture-staging-base", "UPDATE_IN_PROGRESS")
    process = subprocess.Popen(base, env=subprocess_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in process.stderr:  # progress lines; wait until the deploy is waiting on the busy stack
        seen.append(line)
        if "WAITING" in line:
            break
    process.send_signal(signal.SIGINT)
    stdout, rest = process.communicate(timeout=30)
    stderr = "".join(seen) + rest
    assert process.returncode == 130, stderr
    assert "rerun `candlefish deploy staging` to resume" in stderr
    assert aws.client("cloudformation").list_change_sets(StackName="fixture-staging-base")["Summaries"] == []
    assert "fixture-staging-app" not in stacks(aws)


@pytest.mark.faults
def test_ctrl_c_deletes_change_sets_created_but_not_executed(aws, cli, project, emulator_endpoint):
    """app (eu-west-1) has its change set ready while app (us-east-1) is busy: Ctrl-C leaves none behind."""
    import os
    import signal
    import subprocess
    import sys

    assert cli("deploy", "staging", "--config-dir", project.config_dir).exit_code == 0
    project.write("config/staging.yaml", (project.config_dir / "staging.yaml").read_text().replace(
        "AssetsBucket: ${base.AssetsBucketName}", "AssetsBucket: ${base.AssetsBucketName}\n      QueueSuffix: work"))
    force_status("fixture-staging-app", "UPDATE_IN_PROGRESS", region="us-east-1")
    command = [sys.executable, "-m", "candlefish_ops", "deploy", "staging", "--config-dir", str(project.config_dir)]
    process = subprocess.Popen(command, env={**os.environ, "AWS_ENDPOINT_URL": emulator_endpoint},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in process.stderr:
        seen.append(line)
        if "app (eu-west-1)" in line and "REVIEW" in line and any("WAITING" in s for s in seen):
            break
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=30)
    assert process.returncode == 130, "".join(seen) + rest
    west = aws.client("cloudformation", "eu-west-1")
    assert west.list_change_sets(StackName="fixture-staging-app")["Summaries"] == []
    assert west.describe_stacks(StackName="fixture-staging-app")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_template_over_the_inline_limit_goes_through_the_artifacts_bucket(aws, cli, project):
    padding = "x" * 60_000  # CloudFormation takes at most 51,200 bytes inline
    project.write("templates/base.yaml", (project.templates / "base.yaml").read_text()
                  + f"Metadata:\n  Padding: {padding}\n")
    result = cli("deploy", "staging", "--config-dir", project.config_dir, "--only", "base")
    assert result.exit_code == 0, result.stderr
    assert stacks(aws)["fixture-staging-base"]["StackStatus"] == "CREATE_COMPLETE"
    bucket = "fixture-staging-cfn-123456789012-us-east-1"
    keys = [o["Key"] for o in aws.client("s3").list_objects_v2(Bucket=bucket)["Contents"]]
    assert len(keys) == 1 and keys[0].startswith("templates/base/")
    access = aws.client("s3").get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(access.values())


def test_a_password_in_aws_endpoint_url_is_not_printed(cli, project, monkeypatch):
    """An unreachable endpoint with credentials in its URL: the error says where, without the password."""
    import socket

    with socket.socket() as probe:       # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://deployer:hunter2@127.0.0.1:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    result = cli("status", "staging", "--config-dir", project.config_dir)
    assert result.exit_code == 1
    assert "hunter2" not in result.stderr + result.stdout
    assert f"cannot reach AWS at http://deployer:***@127.0.0.1:{port}" in result.stderr
