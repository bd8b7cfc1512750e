"""CloudFormation: stacks, change sets, events, outputs (typed results, candlefish errors)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

import boto3
from botocore.exceptions import ClientError

from candlefish_ops.aws.base import aws_errors, client, error_code
from candlefish_ops.aws.retry import Backoff, poll

from candlefish_ops.errors import AwsError

NO_CHANGES_MARKERS = ("didn't contain changes", "No updates are to be performed")
CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")  # acknowledged on every change set
CHANGE_SET_POLL = Backoff(first=0.2, factor=2, cap=5)


@dataclass(frozen=True)
class StackInfo:
    name: str
    stack_id: str
    status: str
    status_reason: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    last_updated: datetime | None = None
    termination_protection: bool = False
    drift_status: str = ""  # DriftInformation.StackDriftStatus of the last detection ("" when AWS gives none)
    capabilities: frozenset[str] = frozenset()  # the capabilities acknowledged by the last stack operation


@dataclass(frozen=True)
class ResourceChange:
    action: str  # Add | Modify | Remove | Import | Dynamic
    logical_id: str
    resource_type: str
    replacement: str = ""  # True | False | Conditional | ""


@dataclass(frozen=True)
class ChangeSetResult:
    change_set_id: str
    status: str
    reason: str
    changes: tuple[ResourceChange, ...]

    @property
    def empty(self) -> bool:
        return self.status == "FAILED" and any(marker in self.reason for marker in NO_CHANGES_MARKERS)


@dataclass(frozen=True)
class StackEvent:
    timestamp: datetime
    logical_id: str
    resource_type: str
    status: str
    reason: str
    event_id: str


class CloudFormation:
    """One region's CloudFormation."""

    def __init__(self, session: boto3.Session, region: str, sleep: Callable[[float], None] = time.sleep):
        self.region = region
        self._client = client(session, "cloudformation", region)
        self._sleep = sleep

    def describe_stack(self, name: str) -> StackInfo | None:
        """The live stack, or None when there is none (deleted stacks count as none)."""
        with aws_errors(f"reading stack {name} in {self.region}"):
            try:
                answer = self._client.describe_stacks(StackName=name)
            except ClientError as error:
                if error_code(error) == "ValidationError" and "does not exist" in str(error):
                    return None
                raise
        stack = answer["Stacks"][0]
        if stack["StackStatus"] == "DELETE_COMPLETE":
            return None
        return _stack_info(stack)

    def create_change_set(self, stack_name: str, change_set_name: str, *, change_set_type: str,
                          parameters: dict[str, str], tags: dict[str, str], template_body: str | None = None,
                          template_url: str | None = None) -> str | None:
        """Start a change set; its id, or None when the endpoint says at once that nothing changes."""
        request = {
            "StackName": stack_name, "ChangeSetName": change_set_name, "ChangeSetType": change_set_type,
            "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
            "Capabilities": list(CAPABILITIES),
            "Description": "created by candlefish",
        }
        request.update({"TemplateURL": template_url} if template_url else {"TemplateBody": template_body})
        with aws_errors(f"creating change set for {stack_name} in {self.region}"):
            try:
                return self._client.create_change_set(**request)["Id"]
            except ClientError as error:
                if any(marker in str(error) for marker in NO_CHANGES_MARKERS):
                    return None  # some endpoints say "no changes" here rather than with a FAILED change set
                raise

    def wait_for_change_set(self, change_set_id: str, timeout: float = 600) -> ChangeSetResult:
        """Poll until the change set is computed (CREATE_COMPLETE) or FAILED. (botocore's
        `change_set_create_complete` waiter fails on FAILED, which here is an answer: "no changes".)"""
        return poll(lambda: self.describe_change_set(change_set_id),
                    lambda result: result.status in ("CREATE_COMPLETE", "FAILED", "DELETE_COMPLETE"),
                    timeout=timeout, backoff=CHANGE_SET_POLL, sleep=self._sleep,
                    expired=lambda result, _waited: AwsError(
                        f"change set {change_set_id} still {result.status} after {timeout:.0f}s"))

    def describe_change_set(self, change_set_id: str) -> ChangeSetResult:
        changes: list[ResourceChange] = []
        request = {"ChangeSetName": change_set_id}
        with aws_errors(f"reading change set {change_set_id}"):
            while True:
                answer = self._client.describe_change_set(**request)
                changes.extend(_resource_change(c) for c in answer.get("Changes", []) if "ResourceChange" in c)
                if not answer.get("NextToken"):
                    break
                request["NextToken"] = answer["NextToken"]
        return ChangeSetResult(answer["ChangeSetId"], answer["Status"], answer.get("StatusReason", ""),
                               tuple(changes))

    def template_body(self, stack_name: str) -> str | None:
        """The template the stack was last deployed with, as submitted (None when not a text body)."""
        with aws_errors(f"reading the template of {stack_name}"):
            body = self._client.get_template(StackName=stack_name, TemplateStage="Original")["TemplateBody"]
        return body if isinstance(body, str) else None  # botocore parses JSON bodies into dicts

    def execute_change_set(self, change_set_id: str) -> None:
        with aws_errors(f"executing change set {change_set_id}"):
            self._client.execute_change_set(ChangeSetName=change_set_id)

    def delete_change_set(self, change_set_id: str) -> None:
        with aws_errors(f"deleting change set {change_set_id}"):
            self._client.delete_change_set(ChangeSetName=change_set_id)

    def list_change_sets(self, stack_name: str) -> list[dict]:
        with aws_errors(f"listing change sets of {stack_name}"):
            return self._client.list_change_sets(StackName=stack_name).get("Summaries", [])

    def delete_stack(self, stack_name: str) -> None:
        with aws_errors(f"deleting stack {stack_name} in {self.region}"):
            self._client.delete_stack(StackName=stack_name)

    def set_termination_protection(self, stack_name: str, enabled: bool) -> None:
        with aws_errors(f"setting termination protection on {stack_name}"):
            self._client.update_termination_protection(
                StackName=stack_name, EnableTerminationProtection=enabled)

    def set_stack_policy(self, stack_name: str, policy_body: str) -> None:
        with aws_errors(f"setting the stack policy of {stack_name}"):
            self._client.set_stack_policy(StackName=stack_name, StackPolicyBody=policy_body)

    def stack_policy(self, stack_name: str) -> str | None:
        """The stack policy body, or None when the stack has none."""
        with aws_errors(f"reading the stack policy of {stack_name}"):
            return self._client.get_stack_policy(StackName=stack_name).get("StackPolicyBody") or None

    def events(self, stack_name: str, limit: int = 50) -> list[StackEvent]:
        """The most recent events, newest first (one page is enough for progress and failure reasons)."""
        with aws_errors(f"reading events of {stack_name}"):
            answer = self._client.describe_stack_events(StackName=stack_name)
        return [_stack_event(e) for e in answer.get("StackEvents", [])[:limit]]

    def physical_ids(self, stack_name: str, resource_type: str) -> set[str]:
        """The physical ids of the stack's resources of `resource_type` (e.g. the buckets it owns)."""
        with aws_errors(f"listing resources of {stack_name} in {self.region}"):
            pages = self._client.get_paginator("list_stack_resources").paginate(StackName=stack_name)
            return {item.get("PhysicalResourceId", "") for page in pages for item in page["StackResourceSummaries"]
                    if item.get("ResourceType") == resource_type}

    def list_stacks(self, name_prefix: str) -> list[StackInfo]:
        """Every live stack whose name starts with `name_prefix` (paginated)."""
        paginator = self._client.get_paginator("describe_stacks")
        with aws_errors(f"listing stacks in {self.region}"):
            stacks = [s for page in paginator.paginate() for s in page["Stacks"]]
        return [_stack_info(s) for s in stacks
                if s["StackName"].startswith(name_prefix) and s["StackStatus"] != "DELETE_COMPLETE"]


def _stack_info(stack: dict) -> StackInfo:
    return StackInfo(
        name=stack["StackName"],
        stack_id=stack["StackId"],
        status=stack["StackStatus"],
        status_reason=stack.get("StackStatusReason", ""),
        outputs={o["OutputKey"]: o.get("OutputValue", "") for o in stack.get("Outputs", [])},
        parameters={p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])},
        tags={t["Key"]: t["Value"] for t in stack.get("Tags", [])},
        last_updated=stack.get("LastUpdatedTime") or stack.get("CreationTime"),
        termination_protection=bool(stack.get("EnableTerminationProtection")),
        drift_status=stack.get("DriftInformation", {}).get("StackDriftStatus", ""),
        capabilities=frozenset(stack.get("Capabilities", ())),
    )


def _resource_change(change: dict) -> ResourceChange:
    detail = change["ResourceChange"]
    return ResourceChange(detail.get("Action", ""), detail.get("LogicalResourceId", ""),
                          detail.get("ResourceType", ""), detail.get("Replacement", ""))


def _stack_event(event: dict) -> StackEvent:
    return StackEvent(event["Timestamp"], event.get("LogicalResourceId", ""), event.get("ResourceType", ""),
                      event.get("ResourceStatus", ""), event.get("ResourceStatusReason", ""), event["EventId"])
