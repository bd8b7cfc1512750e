"""Confirmations of a protected deploy: one question for the whole deploy (after the first batch's diff,
naming the stacks still to come), `each` to be asked per batch, `no` changes nothing; a target in an
emulator on this machine is never protected."""

from __future__ import annotations

import boto3
import pytest

from candlefish_ops.config import load_environment
from candlefish_ops.deploy.executor import DeployExecutor
from candlefish_ops.deploy.plan import plan_deploy
from candlefish_ops.errors import Aborted


class AnsweringHooks:
    """DeployHooks that answer every question with `answer` and record what was asked and shown."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.questions: list[tuple[str, list[str]]] = []
        self.reviewed: list[list[str]] = []

    def state(self, target, state, detail=""):
        pass

    def event(self, target, event):
        pass

    def review(self, prepared):
        self.reviewed.append([item.target.label for item in prepared if item.change_set_id])

    def confirm(self, question, still_to_come):
        self.questions.append((question, list(still_to_come)))
        if self.answer == "no":
            raise Aborted("cancelled; nothing was changed")
        return self.answer


def run_production(project, answer: str):
    environment = load_environment(project.config_dir, "production")
    hooks = AnsweringHooks(answer)
    executor = DeployExecutor(boto3.Session(region_name="us-east-1"), environment, hooks, assume_yes=False)
    return hooks, executor.run(plan_deploy(environment, protected=True))


def live_stacks(aws, region="us-east-1"):
    return [s["StackName"] for s in aws.client("cloudformation", region).describe_stacks()["Stacks"]
            if s["StackStatus"] != "DELETE_COMPLETE"]


def test_yes_once_deploys_every_batch_after_one_question(aws, project):
    hooks, report = run_production(project, "all")
    assert len(hooks.questions) == 1                                   # was one per batch: 3 here
    question, later = hooks.questions[0]
    assert "batch 1/3" in question and "base (us-east-1)" in question and "later batches" in question
    assert later == ["app (us-east-1)", "app (eu-west-1)", "edge (us-east-1)"]
    assert hooks.reviewed[0] == ["base (us-east-1)"]                   # the first diff came before the question
    assert {r.result for r in report.results} == {"created"}


def test_each_asks_before_every_batch(aws, project):
    hooks, report = run_production(project, "each")
    assert [q.split(":")[0] for q, _ in hooks.questions] == [
        "production (batch 1/3)", "production (batch 2/3)", "production (batch 3/3)"]
    assert [later for _, later in hooks.questions][-1] == []
    assert hooks.questions[-1][0].endswith("edge (us-east-1)?")
    assert {r.result for r in report.results} == {"created"}


def test_no_changes_nothing_and_leaves_no_change_set(aws, project):
    with pytest.raises(Aborted):
        run_production(project, "no")
    assert live_stacks(aws) == [] and live_stacks(aws, "eu-west-1") == []


def test_production_in_the_loopback_emulator_is_not_protected(aws, cli, project):
    """AWS_ENDPOINT_URL points at 127.0.0.1 here: no question, no --yes needed, even in a script."""
    result = cli("deploy", "production", "--config-dir", project.config_dir, "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert {s["result"] for s in result.json()["stacks"]} == {"created"}
    assert "refusing" not in result.stderr


def test_rehearsal_variable_makes_the_emulator_ask_as_aws_would(aws, cli, project, monkeypatch):
    monkeypatch.setenv("CANDLEFISH_CONFIRM_LOCAL", "1")
    result = cli("deploy", "production", "--config-dir", project.config_dir)
    assert result.exit_code == 1
    assert "batch 1/3" in result.stderr and "refusing without --yes in a non-interactive run" in result.stderr
    assert live_stacks(aws) == []


class EachThenNo(AnsweringHooks):
    def confirm(self, question, still_to_come):
        self.questions.append((question, list(still_to_come)))
        if len(self.questions) == 2:
            raise Aborted("cancelled; nothing was changed")
        return "each"


def test_no_at_a_later_batch_says_what_was_deployed(aws, project):
    environment = load_environment(project.config_dir, "production")
    executor = DeployExecutor(boto3.Session(region_name="us-east-1"), environment, EachThenNo("each"),
                              assume_yes=False)
    with pytest.raises(Aborted, match=r"cancelled before batch 2/3: batch 1 was deployed, nothing after"):
        executor.run(plan_deploy(environment, protected=True))
    assert live_stacks(aws) == ["fixture-production-base"] and live_stacks(aws, "eu-west-1") == []


def run_in_terminal(args, answers: list[bytes], timeout: float = 90) -> tuple[int, str, int]:
    """Run the real `candlefish` with stdin, stdout and stderr on a pseudo-terminal (live table, prompts),
    typing the next answer at each question; returns exit code, screen text, number of questions."""
    import os
    import re
    import select
    import subprocess
    import sys
    import time

    master, slave = os.openpty()
    process = subprocess.Popen([sys.executable, "-m", "candlefish_ops", *map(str, args)], stdin=slave,
                               stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    output, questions, deadline = b"", 0, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            try:
                chunk = os.read(master, 65536) if ready else b""
            except OSError:  # the terminal closed: the process is done
                break
            output += chunk
            if len(re.findall(rb"\? (?:\[y\]es / \[n\]o / \[e\]ach batch|\[y/N\]): ", output)) > questions:
                questions += 1
                os.write(master, answers.pop(0) if answers else b"n\n")
            if not ready and process.poll() is not None:
                break
        else:
            process.kill()
    finally:
        os.close(master)
    return process.wait(timeout=10), output.decode("utf-8", "replace"), questions


def test_a_terminal_is_asked_once_and_the_deploy_runs_every_batch(aws, project, monkeypatch):
    monkeypatch.setenv("CANDLEFISH_CONFIRM_LOCAL", "1")  # the emulator is on loopback: ask as on AWS
    code, screen, questions = run_in_terminal(["deploy", "production", "--config-dir", project.config_dir],
                                              [b"y\n"])
    assert code == 0, screen
    assert questions == 1 and screen.count("execute change sets") == 1      # was 3 here, 5 for production
    assert "[y]es / [n]o / [e]ach batch" in screen
    assert "still to come after this batch (3 stack(s)" in screen
    assert screen.index("+ Assets (AWS::S3::Bucket)") < screen.index("[e]ach batch")  # the first diff, first
    assert sorted(live_stacks(aws)) == ["fixture-production-app", "fixture-production-base",
                                        "fixture-production-edge"]


def test_a_terminal_answering_each_is_asked_per_batch(aws, project, monkeypatch):
    monkeypatch.setenv("CANDLEFISH_CONFIRM_LOCAL", "1")
    code, screen, questions = run_in_terminal(["deploy", "production", "--config-dir", project.config_dir],
                                              [b"e\n", b"e\n", b"y\n"])
    assert code == 0, screen
    assert questions == 3 and screen.count("[e]ach batch") == 2  # the last batch: a plain y/N
    assert len(live_stacks(aws)) == 3
