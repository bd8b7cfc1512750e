"""CloudFormation in the emulator behaves as AWS does where the deploy engine relies on it.

moto 5.2.5 gaps closed here (each one is listed, with the test that shows it, in docs/local.md):
- a stack made by executing a CREATE change set has no Outputs/Exports, and after an UPDATE change set
  Outputs, Parameters and Tags stay stale: after execution the stack is refreshed from the change set;
- a resource that fails during execution raises HTTP 500 from ExecuteChangeSet: AWS accepts the
  execution and the stack ends ROLLBACK_COMPLETE (first create) or UPDATE_ROLLBACK_COMPLETE, with a
  failure event naming the resource type and the reason; the emulator now does the same;
- a change set's changes ignore parameter changes: resources that use a changed parameter are Modify, and
  so, transitively, are resources that refer to a changed one (AWS re-evaluates them; a replaced
  AWS::Lambda::Version moves the distribution's association in the same change set);
- per-resource events are missing: executing a change set records one event per changed resource;
- DescribeStacks shows a list parameter as a Python list's repr ("['a', 'b']") and masks NoEcho parameters
  by comparing values with key names: AWS shows "a,b" and masks by key ("****"); candlefish's no-op
  check compares these values, so they are shown as AWS does;
- DescribeStacks never reports Capabilities: AWS reports those acknowledged by the stack's last operation
  (CreateStack, UpdateStack or the executed change set), which candlefish's no-op check compares;
- DescribeStacks never reports LastUpdatedTime: AWS sets it whenever an update of the stack begins (UpdateStack
  or an UPDATE change set), which the no-op check's verified revisions rely on (deploy/verified.py);
- UpdateTerminationProtection is not implemented, and a protected stack can be deleted: both fixed;
- ListChangeSets ignores StackName, and executed change sets linger: AWS lists a stack's own change sets
  and removes them all once one is executed;
- speed: moto parses a template three times per change set with PyYAML's pure-Python loader (about 0.4 s
  for one of our templates, the bulk of a no-op redeploy): templates are parsed with libyaml and cached.
"""

from __future__ import annotations

import logging

from candlefish_ops.local.moto.compat import add, add_stack_event, parse_template, patch, resource_json_map

_log = logging.getLogger(__name__)


def install() -> None:
    from moto.cloudformation.models import ChangeSet, CloudFormationBackend, Stack
    from moto.cloudformation.responses import CloudFormationResponse

    from moto.cloudformation import parsing

    patch(ChangeSet, "diff", _diff_with_parameters)
    patch(Stack, "parameter_list", property(_parameter_list))
    if not getattr(parsing.ResourceMap.build_resource_diff, "_candlefish", False):
        parsing.ResourceMap.build_resource_diff = _with_dependents(parsing.ResourceMap.build_resource_diff)
    _parse_templates_fast()
    for name in ("parse_and_create_resource", "parse_and_update_resource"):
        original = getattr(parsing, name)
        if not getattr(original, "_candlefish", False):
            patch(parsing, name, _naming_the_failing_resource(original))
    patch(CloudFormationBackend, "execute_change_set", _execute_change_set)
    if not getattr(Stack.update, "_candlefish", False):
        patch(Stack, "update", _stamping_updates(Stack.update))
    if not getattr(CloudFormationBackend.create_change_set, "_candlefish", False):
        patch(CloudFormationBackend, "create_change_set", _tag_changes_count(CloudFormationBackend.create_change_set))
    original_delete = CloudFormationBackend.delete_stack
    patch(CloudFormationBackend, "delete_stack", _guard_termination_protection(original_delete))
    add(CloudFormationResponse, "update_termination_protection", _update_termination_protection)
    patch(CloudFormationResponse, "list_change_sets", _list_change_sets)
    for name in ("create_stack", "update_stack", "create_change_set"):
        original = getattr(CloudFormationResponse, name)
        if not getattr(original, "_candlefish", False):
            patch(CloudFormationResponse, name, _recording_capabilities(original))


def _recording_capabilities(original):
    """Keep the request's Capabilities on the stack (or on the change set, for its execution)."""

    def handler(self):
        response = original(self)
        backend, name = self.cloudformation_backend, self._get_param("StackName")
        capabilities = list(self._get_param("Capabilities", []) or [])
        change_set_name = self._get_param("ChangeSetName")
        if change_set_name:
            change_set = next((c for c in backend.change_sets.values() if c.change_set_name == change_set_name
                               and name in (c.stack_name, c.stack_id)), None)
            if change_set is not None:
                change_set.capabilities = capabilities
        else:
            backend.get_stack(name).capabilities = capabilities
        return response

    handler._candlefish = True
    return handler


def _stamping_updates(original):
    """UpdateStack moves the stack's LastUpdatedTime (rendered by DescribeStacks from `last_updated_time`)."""

    def update(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        _stamp(self)
        return result

    update._candlefish = True
    return update


def _stamp(stack) -> None:
    from moto.core.utils import utcnow

    stack.last_updated_time = utcnow()


def _parameter_list(self) -> list[dict]:
    resource_map = self.resource_map
    hidden = set(getattr(resource_map, "no_echo_parameter_keys", ()) or ())
    return [{"ParameterKey": key,
             "ParameterValue": "****" if key in hidden else ",".join(map(str, value)) if isinstance(value, list) else value}
            for key, value in resource_map.resolved_parameters.items()]


def _tag_changes_count(original):
    """moto calls a change set with the same template and parameters empty; AWS also updates a stack whose
    tags alone change (they propagate to its resources)."""

    def create_change_set(self, stack_name, change_set_name, template, parameters, description, change_set_type,
                          notification_arns=None, tags=None, role_arn=None):
        change_set_id, stack_id = original(self, stack_name, change_set_name, template, parameters, description,
                                           change_set_type, notification_arns, tags, role_arn)
        change_set = self.change_sets[change_set_id]
        if change_set.status == "FAILED" and change_set_type == "UPDATE" and _retagged(change_set.stack, tags):
            change_set.status, change_set.execution_status, change_set.status_reason = (
                "CREATE_COMPLETE", "AVAILABLE", None)
        return change_set_id, stack_id

    create_change_set._candlefish = True
    return create_change_set


def _find_change_set(backend, change_set_name: str):
    from moto.cloudformation.exceptions import ValidationError

    if change_set_name in backend.change_sets:
        return backend.change_sets[change_set_name]
    for change_set in backend.change_sets.values():
        if change_set.change_set_name == change_set_name:
            return change_set
    raise ValidationError(change_set_name)


def _execute_change_set(self, change_set_name: str, stack_name: str | None = None) -> None:
    change_set = _find_change_set(self, change_set_name)
    stack = self.stacks[change_set.stack_id]
    kind = change_set.change_set_type
    add_stack_event(stack, f"{kind}_IN_PROGRESS", "User Initiated")
    stack.status = f"{kind}_IN_PROGRESS"
    if kind == "UPDATE":
        _stamp(stack)
    stack.resource_map._candlefish_retag = kind == "UPDATE" and _retagged(stack, change_set.tags)
    try:
        _enforce_stack_policy(stack, change_set)
        change_set.apply()
        _refresh_stack(self, stack, change_set)
    except Exception as error:  # the emulator mirrors AWS: execution is accepted, the stack fails
        _log.info("emulated stack %s failed: %s", stack.name, error)
        _fail(stack, change_set, error)
        return
    _record_resource_events(stack, change_set)
    add_stack_event(stack, f"{kind}_COMPLETE")
    stack.status = f"{kind}_COMPLETE"
    change_set.execution_status = "EXECUTE_COMPLETE"
    for change_set_id in [i for i, c in self.change_sets.items() if c.stack_id == stack.stack_id]:
        del self.change_sets[change_set_id]


class StackPolicyDenied(Exception):
    """An update the stack policy does not allow (AWS: the update fails and rolls back)."""


def _enforce_stack_policy(stack, change_set) -> None:
    """A stack policy is evaluated for every resource an update changes, as AWS does
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/protect-stack-resources.html): an
    explicit Deny wins, and with a policy set anything not allowed is denied."""
    import json

    if change_set.change_set_type != "UPDATE" or not getattr(stack, "policy", ""):
        return
    statements = json.loads(stack.policy).get("Statement", [])
    for change in change_set.changes:
        if change.action == "Add":
            continue
        action = ("Update:Delete" if change.action == "Remove" else
                  "Update:Replace" if getattr(change, "replacement", "False") in ("True", "Conditional")
                  else "Update:Modify")
        matching = [s for s in statements if _policy_matches(s, action, change)]
        if any(s.get("Effect") == "Deny" for s in matching) or not any(s.get("Effect") == "Allow" for s in matching):
            error = StackPolicyDenied(f"Action denied by stack policy: {action} on resource "
                                      f"LogicalResourceId/{change.logical_resource_id}")
            error.candlefish_resource = (change.logical_resource_id, change.resource_type)
            raise error


def _policy_matches(statement: dict, action: str, change) -> bool:
    import fnmatch

    def as_list(value):
        return value if isinstance(value, list) else [value]

    if not any(fnmatch.fnmatchcase(action, pattern) for pattern in as_list(statement.get("Action", []))):
        return False
    resource = f"LogicalResourceId/{change.logical_resource_id}"
    if "Resource" in statement and not any(fnmatch.fnmatchcase(resource, p) for p in as_list(statement["Resource"])):
        return False
    if "NotResource" in statement and any(fnmatch.fnmatchcase(resource, p) for p in as_list(statement["NotResource"])):
        return False
    for operator, condition in (statement.get("Condition") or {}).items():
        wanted = as_list(condition.get("ResourceType", []))
        if operator == "StringEquals" and change.resource_type not in wanted:
            return False
        if operator == "StringLike" and not any(fnmatch.fnmatchcase(change.resource_type, p) for p in wanted):
            return False
    return True


def _refresh_stack(backend, stack, change_set) -> None:
    stack.template = change_set.template
    stack.capabilities = getattr(change_set, "capabilities", [])
    parse_template(stack)
    stack.description = stack.template_dict.get("Description")
    stack.parameters = change_set.parameters
    if change_set.tags is not None:
        stack.tags = change_set.tags
    stack.output_map = stack._create_output_map()
    for name in [name for name, export in backend.exports.items() if export.exporting_stack_id == stack.stack_id]:
        del backend.exports[name]
    for export in stack.exports:
        backend.exports[export.name] = export


def _record_resource_events(stack, change_set) -> None:
    from moto.cloudformation.models import Event

    final = {"Add": "CREATE_COMPLETE", "Modify": "UPDATE_COMPLETE", "Remove": "DELETE_COMPLETE"}
    for change in change_set.changes:
        stack.events.append(Event(stack.stack_id, stack.name, change.logical_resource_id, "",
                                  change.resource_type, final.get(change.action, "UPDATE_COMPLETE"),
                                  None, None))


def _naming_the_failing_resource(original):
    """Remember which resource an exception came from (the innermost one, as references nest)."""

    def wrapper(logical_id, resource_json, *args, **kwargs):
        try:
            return original(logical_id, resource_json, *args, **kwargs)
        except Exception as error:
            if not hasattr(error, "candlefish_resource"):
                error.candlefish_resource = (logical_id, (resource_json or {}).get("Type", ""))
            raise

    wrapper._candlefish = True
    return wrapper


def _fail(stack, change_set, error: Exception) -> None:
    from moto.cloudformation.models import Event

    first = next(iter(change_set.changes), None)
    logical_id, resource_type = getattr(error, "candlefish_resource", None) or (
        (first.logical_resource_id, first.resource_type) if first else (stack.name, "AWS::CloudFormation::Stack"))
    reason = f"{type(error).__name__}: {error}"[:900]
    kind = change_set.change_set_type
    stack.events.append(Event(stack.stack_id, stack.name, logical_id, "", resource_type,
                              f"{'CREATE' if kind == 'CREATE' else 'UPDATE'}_FAILED", reason, None))
    final = "ROLLBACK_COMPLETE" if kind == "CREATE" else "UPDATE_ROLLBACK_COMPLETE"
    add_stack_event(stack, final, "emulated rollback after a failed resource")
    stack.status = final
    change_set.execution_status = "EXECUTE_FAILED"


def _guard_termination_protection(original):
    def delete_stack(self, name_or_stack_id: str) -> None:
        from moto.cloudformation.exceptions import ValidationError

        for stack in self.stacks.values():
            if name_or_stack_id in (stack.name, stack.stack_id) and stack.status != "DELETE_COMPLETE":
                if stack.enable_termination_protection:
                    raise ValidationError(stack.stack_id, message=(
                        f"Stack [{stack.name}] cannot be deleted while TerminationProtection is enabled"))
        return original(self, name_or_stack_id)

    return delete_stack


def _update_termination_protection(self):
    from moto.core.responses import ActionResult

    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    stack.enable_termination_protection = self._get_bool_param("EnableTerminationProtection", False)
    return ActionResult({"StackId": stack.stack_id})


def _list_change_sets(self):
    from moto.core.responses import ActionResult

    wanted = self._get_param("StackName")
    summaries = [c for c in self.cloudformation_backend.list_change_sets()
                 if wanted in (None, c.stack_name, c.stack_id)]
    return ActionResult({"Summaries": summaries})


def _diff_with_parameters(self):
    from moto.cloudformation.models import Change

    resource_map = self.stack.resource_map
    old = resource_json_map(resource_map)
    new = (self.template_dict or {}).get("Resources", {})
    previous = getattr(resource_map, "input_parameters", None) or self.stack.parameters or {}
    changed = {name for name, value in (self.parameters or {}).items() if previous.get(name) != value}
    retagged = _retagged(self.stack, self.tags)
    changes = [Change("Add", name, body["Type"]) for name, body in new.items() if name not in old]
    changes += [_modify(Change, name, body, old[name], changed) for name, body in new.items()
                if name in old and (body != old[name] or changed & _parameters_used(body)
                                    or (retagged and body.get("Type") in _TAG_PROPAGATED))]
    modified = {c.logical_resource_id for c in changes if c.action == "Modify"}
    for change in _dependents(new, modified, Change):
        change.replacement = _replacement(new[change.logical_resource_id], old.get(change.logical_resource_id, {}),
                                          changed, modified)
        changes.append(change)
    changes += [Change("Remove", name, body["Type"]) for name, body in old.items() if name not in new]
    return changes


# Properties whose change makes CloudFormation replace the resource ("Update requires: Replacement" in each
# type's page of the CloudFormation resource reference), for the stateful types the deploy guards and a few
# others; other types' modifications are reported Replacement "False".
REPLACING_PROPERTIES = {
    "AWS::SQS::Queue": ("QueueName", "FifoQueue"),
    "AWS::DynamoDB::Table": ("TableName", "KeySchema", "LocalSecondaryIndexes"),
    "AWS::S3::Bucket": ("BucketName",),
    "AWS::RDS::DBInstance": ("DBInstanceIdentifier", "DBName", "StorageEncrypted", "KmsKeyId"),
    "AWS::RDS::DBCluster": ("DBClusterIdentifier", "StorageEncrypted", "KmsKeyId"),
    "AWS::Route53::HostedZone": ("Name",),
    "AWS::WAFv2::IPSet": ("Name", "Scope"),
    "AWS::WAFv2::WebACL": ("Name", "Scope"),
    "AWS::SecretsManager::Secret": ("Name",),
    "AWS::Logs::LogGroup": ("LogGroupName",),
    "AWS::ElastiCache::ReplicationGroup": ("ReplicationGroupId",),
    "AWS::Backup::BackupVault": ("BackupVaultName",),
}
# Stack-level tags propagate to a stack's resources: changing them updates every resource that takes tags
# (modelled for the WAFv2 types, whose update sends the whole specification: an IP set's addresses
# become the template's).
_TAG_PROPAGATED = ("AWS::WAFv2::IPSet", "AWS::WAFv2::WebACL")


def _modify(change_type, name: str, body: dict, before: dict, changed_parameters: set[str]):
    change = change_type("Modify", name, body["Type"])
    change.replacement = _replacement(body, before, changed_parameters, set())
    return change


def _replacement(body: dict, before: dict, changed_parameters: set[str], modified: set[str]) -> str:
    """ "True" when a replacing property changes (or uses a changed parameter), "Conditional" when it refers
    to a resource being changed, else "False"."""
    new_props, old_props = body.get("Properties") or {}, before.get("Properties") or {}
    verdict = "False"
    for prop in REPLACING_PROPERTIES.get(body.get("Type", ""), ()):
        value = new_props.get(prop)
        if value != old_props.get(prop) or changed_parameters & _parameters_used(value):
            return "True"
        if modified & _references(value):
            verdict = "Conditional"
    return verdict


def _retagged(stack, tags) -> bool:
    if tags is None:
        return False
    return dict(tags) != dict(getattr(stack, "tags", None) or {})


def _with_dependents(original):
    """moto's update applies only resources whose own JSON or parameters changed: add their dependents."""

    def build_resource_diff(self, other_template, parameters=None):
        actions = original(self, other_template, parameters)
        resources = other_template["Resources"]
        if getattr(self, "_candlefish_retag", False):
            old = resource_json_map(self)
            actions["Modify"] += [name for name, body in resources.items()
                                  if name in old and body.get("Type") in _TAG_PROPAGATED
                                  and name not in actions["Modify"]]
        actions["Modify"] += [c for c in _dependents(resources, set(actions["Modify"]), lambda _a, name, _t: name)
                              if c not in actions["Add"]]
        return actions

    build_resource_diff._candlefish = True
    return build_resource_diff


def _dependents(resources: dict, modified: set[str], change_type) -> list:
    """Resources that refer (Ref, GetAtt, Sub) to a modified one, transitively, as Modify changes."""
    found: list = []
    changed = set(modified)
    while True:
        more = [name for name, body in resources.items()
                if name not in changed and _references(body) & changed]
        if not more:
            return found
        changed.update(more)
        found += [change_type("Modify", name, resources[name]["Type"]) for name in more]


def _references(node) -> set[str]:
    names = _parameters_used(node)
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".", 1)[0]
                names.add(target)
            names |= _references(value) if isinstance(value, (dict, list)) else set()
    elif isinstance(node, list):
        for item in node:
            names |= _references(item)
    return {name.split(".", 1)[0] for name in names}


def _parameters_used(node) -> set[str]:
    """Names a resource refers to through Ref or inside Fn::Sub strings."""
    import re

    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                if isinstance(text, str):
                    found.update(re.findall(r"\$\{([A-Za-z0-9]+)\}", text))
                found |= _parameters_used(value)
            else:
                found |= _parameters_used(value)
    elif isinstance(node, list):
        for item in node:
            found |= _parameters_used(item)
    return found


_PARSED: dict[str, object] = {}


def _parse_templates_fast() -> None:
    from moto.cloudformation.models import ChangeSet, Stack

    def parse_template(template: str):
        return _parse_cached(template)

    def change_set_parse(self) -> None:
        self.template_dict = _parse_cached(self.template)

    patch(Stack, "parse_template", staticmethod(parse_template))
    patch(ChangeSet, "_parse_template", change_set_parse)


def _parse_cached(template: str):
    """moto's template parse (CloudFormation short tags included), with libyaml, cached by text.

    Callers get their own deep copy: moto mutates parsed templates."""
    import copy
    import json

    import yaml
    from moto.cloudformation import models

    if template not in _PARSED:
        class Loader(yaml.CLoader if yaml.__with_libyaml__ else yaml.Loader):
            pass

        Loader.add_multi_constructor("", models.yaml_tag_constructor)
        try:
            parsed = yaml.load(template, Loader=Loader)  # noqa: S506 - moto parses with the full loader too
        except (yaml.parser.ParserError, yaml.scanner.ScannerError):
            parsed = json.loads(template)
        if len(_PARSED) > 128:
            _PARSED.clear()
        _PARSED[template] = parsed
    return copy.deepcopy(_PARSED[template])
