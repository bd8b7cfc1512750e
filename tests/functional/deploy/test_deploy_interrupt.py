"""Ctrl-C in the middle of a batch, injected at a precise point (no race): nothing queued may start.

The interrupt is raised by the hooks object, the way the user interface is called from a worker, right
after the first stack's ExecuteChangeSet; what happened is read back through CloudFormation's own API.
"""

from __future__ import annotations

import textwrap
import threading

import pytest

from candlefish_ops.deploy.executor import DeployExecutor, Interrupted, SilentHooks

STACKS = [f"s{number}" for number in range(8)]

TOPIC = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Name:
    Type: String
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Ref Name
"""


class InterruptAfterFirstExecute(SilentHooks):
    """Raises KeyboardInterrupt when the first stack reports that its change set is executing."""

    def __init__(self) -> None:
        self.executing: list[str] = []
        self._lock = threading.Lock()   # exactly one worker raises, however the workers interleave

    def state(self, target, state: str, detail: str = "") -> None:
        if state.endswith("_IN_PROGRESS") and state != "REVIEW_IN_PROGRESS":
            with self._lock:
                self.executing.append(target.label)
                first = len(self.executing) == 1
            if first:
                raise KeyboardInterrupt


@pytest.fixture
def eight_independent_stacks(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "topic.yaml").write_text(textwrap.dedent(TOPIC).lstrip())
    (tmp_path / "config").mkdir()
    stacks = "".join(f"  {name}:\n    template: topic.yaml\n    parameters: {{Name: topic-{name}}}\n"
                     for name in STACKS)
    (tmp_path / "config" / "staging.yaml").write_text(f"project: ctrlc\nprotected: false\nstacks:\n{stacks}")
    return tmp_path / "config"


def run_interrupted(config_dir, parallel: int):
    from candlefish_ops.aws.session import new_session
    from candlefish_ops.config import load_environment
    from candlefish_ops.deploy.plan import plan_deploy

    environment = load_environment(config_dir, "staging")
    plan = plan_deploy(environment, [], execute=True)
    assert len(plan.batches) == 1 and len(plan.batches[0]) == len(STACKS)
    hooks = InterruptAfterFirstExecute()
    executor = DeployExecutor(new_session("us-east-1"), environment, hooks, assume_yes=True, parallel=parallel)
    with pytest.raises(Interrupted) as caught:
        executor.run(plan)
    return hooks, caught.value


def executed(aws) -> dict[str, str]:
    """Stack name -> status, for every stack whose change set CloudFormation executed."""
    cfn = aws.client("cloudformation")
    found = {}
    for stack in cfn.describe_stacks()["Stacks"]:
        if stack["StackStatus"] not in ("DELETE_COMPLETE", "REVIEW_IN_PROGRESS"):
            found[stack["StackName"]] = stack["StackStatus"]
    return found


@pytest.mark.faults
def test_ctrl_c_with_parallel_1_executes_no_queued_change_set(aws, eight_independent_stacks):
    hooks, error = run_interrupted(eight_independent_stacks, parallel=1)
    assert hooks.executing == [hooks.executing[0]]
    first = hooks.executing[0].split(" ")[0]
    assert executed(aws) == {f"ctrlc-staging-{first}": "CREATE_COMPLETE"}
    cfn = aws.client("cloudformation")
    leftovers = [s["StackName"] for s in cfn.describe_stacks()["Stacks"] if s["StackStatus"] == "REVIEW_IN_PROGRESS"]
    assert leftovers == []  # the never-executed CREATE change sets (and their empty stacks) were deleted
    message = str(error)
    assert error.exit_code == 130 and "\n" not in message
    assert f"carries on with {first} (us-east-1)" in message
    assert all(f"{name} (us-east-1)" not in message for name in STACKS if name != first)


@pytest.mark.faults
def test_ctrl_c_names_every_stack_whose_execution_had_begun(aws, eight_independent_stacks):
    """With 4 workers, the stacks already executing when the interrupt lands are named, and only they."""
    hooks, error = run_interrupted(eight_independent_stacks, parallel=4)
    names = {label.split(" ")[0] for label in hooks.executing}
    assert set(executed(aws)) == {f"ctrlc-staging-{name}" for name in names}
    message = str(error)
    for name in STACKS:
        assert (f"{name} (us-east-1)" in message) == (name in names), message
