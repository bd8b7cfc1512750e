"""The deploy state machine (candlefish_ops/deploy/state.py): every transition, from every CloudFormation
stack status family to the step the executor takes, the no-op check and what follows a change set."""

from __future__ import annotations

import json

import pytest

from candlefish_ops.deploy import state
from candlefish_ops.deploy.guard import stack_policy
from candlefish_ops.deploy.state import (Action, ChangeSetSeen, Deployed, FollowUp, Next, Result,
                                         StatusClass, Step, Verdict, Wanted)

# Every StackStatus of the API reference (API_Stack), by the class the deploy gives it.
ALL_STATUSES = {
    "CREATE_IN_PROGRESS": StatusClass.IN_PROGRESS,
    "CREATE_FAILED": StatusClass.STUCK,
    "CREATE_COMPLETE": StatusClass.UPDATABLE,
    "ROLLBACK_IN_PROGRESS": StatusClass.IN_PROGRESS,
    "ROLLBACK_FAILED": StatusClass.STUCK,
    "ROLLBACK_COMPLETE": StatusClass.ROLLBACK_COMPLETE,
    "DELETE_IN_PROGRESS": StatusClass.IN_PROGRESS,
    "DELETE_FAILED": StatusClass.STUCK,
    "DELETE_COMPLETE": StatusClass.ABSENT,
    "UPDATE_IN_PROGRESS": StatusClass.IN_PROGRESS,
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": StatusClass.IN_PROGRESS,
    "UPDATE_COMPLETE": StatusClass.UPDATABLE,
    "UPDATE_FAILED": StatusClass.STUCK,
    "UPDATE_ROLLBACK_IN_PROGRESS": StatusClass.IN_PROGRESS,
    "UPDATE_ROLLBACK_FAILED": StatusClass.STUCK,
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS": StatusClass.IN_PROGRESS,
    "UPDATE_ROLLBACK_COMPLETE": StatusClass.UPDATABLE,
    "REVIEW_IN_PROGRESS": StatusClass.REVIEW,
    "IMPORT_IN_PROGRESS": StatusClass.IN_PROGRESS,
    "IMPORT_COMPLETE": StatusClass.UPDATABLE,
    "IMPORT_ROLLBACK_IN_PROGRESS": StatusClass.IN_PROGRESS,
    "IMPORT_ROLLBACK_FAILED": StatusClass.STUCK,
    "IMPORT_ROLLBACK_COMPLETE": StatusClass.UPDATABLE,
}

STEP_OF_CLASS = {
    StatusClass.ABSENT: Step.CREATE,
    StatusClass.IN_PROGRESS: Step.WAIT,
    StatusClass.REVIEW: Step.CLEAN_UP,
    StatusClass.UPDATABLE: Step.UPDATE,
    StatusClass.STUCK: Step.FAIL,
}


def settle(status, recreate_failed=False):
    return state.settle(status, recreate_failed=recreate_failed, stack_name="demo-prod-data", region="eu-west-1")


# -- 1. settle ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status, expected", ALL_STATUSES.items())
def test_every_stack_status_has_its_class(status, expected):
    assert state.classify(status) is expected


def test_no_stack_at_all_is_absent():
    assert state.classify(None) is StatusClass.ABSENT
    assert settle(None) == state.Settled(Step.CREATE)


@pytest.mark.parametrize("status", [s for s, c in ALL_STATUSES.items() if c is not StatusClass.ROLLBACK_COMPLETE])
def test_every_status_leads_to_its_step(status):
    assert settle(status).step is STEP_OF_CLASS[ALL_STATUSES[status]]


@pytest.mark.parametrize("status", [s for s, c in ALL_STATUSES.items() if c is StatusClass.IN_PROGRESS])
def test_a_running_operation_is_waited_for_and_named(status):
    settled = settle(status)
    assert settled.step is Step.WAIT
    assert settled.message == f"{status} (another operation is running)"


def test_review_in_progress_is_an_abandoned_create_change_set_cleaned_up_not_waited_for():
    settled = settle("REVIEW_IN_PROGRESS")
    assert settled.step is Step.CLEAN_UP
    assert "leftover change set" in settled.message


def test_rollback_complete_fails_with_the_flag_to_use_unless_recreating_is_allowed():
    refused = settle("ROLLBACK_COMPLETE")
    assert refused.step is Step.FAIL and "--recreate-failed" in refused.message
    assert settle("ROLLBACK_COMPLETE", recreate_failed=True).step is Step.RECREATE


def test_update_rollback_failed_names_the_command_that_fixes_it():
    settled = settle("UPDATE_ROLLBACK_FAILED")
    assert settled.step is Step.FAIL
    assert ("aws cloudformation continue-update-rollback --stack-name demo-prod-data --region eu-west-1"
            in settled.message)


@pytest.mark.parametrize("status", ["DELETE_FAILED", "ROLLBACK_FAILED", "IMPORT_ROLLBACK_FAILED", "CREATE_FAILED",
                                    "UPDATE_FAILED"])
def test_other_failed_states_stop_the_stack_naming_its_status(status):
    settled = settle(status)
    assert settled.step is Step.FAIL and settled.message.startswith(f"stack is {status}: fix it first")


def test_recreate_failed_changes_nothing_for_other_states():
    for status, found in ALL_STATUSES.items():
        if found is not StatusClass.ROLLBACK_COMPLETE:
            assert settle(status, recreate_failed=True) == settle(status)


@pytest.mark.parametrize("step, recreated, kind, action", [
    (Step.CREATE, False, "CREATE", Action.CREATE),
    (Step.UPDATE, False, "UPDATE", Action.UPDATE),
    (Step.CREATE, True, "CREATE", Action.RECREATE),   # deleted in ROLLBACK_COMPLETE, created again
])
def test_change_set_type_and_reported_action(step, recreated, kind, action):
    assert state.change_set_kind(step) == kind
    assert state.action_for(step, recreated) is action


# -- 2. compare: the no-op check ----------------------------------------------------------------------

BODY = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"
CAPABILITIES = frozenset({"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"})
POLICY = stack_policy()


def wanted(**changes) -> Wanted:
    base = Wanted(template_body=BODY, parameters={"Name": "x", "Size": "1"}, tags={"Environment": "prod"},
                  capabilities=CAPABILITIES, termination_protection=True, stack_policy=POLICY)
    return Wanted(**{**base.__dict__, **changes})


def deployed(**changes) -> Deployed:
    base = Deployed(parameters={"Name": "x", "Size": "1"}, tags={"Environment": "prod"},
                    capabilities=CAPABILITIES, termination_protection=True)
    return Deployed(**{**base.__dict__, **changes})


def run_compare(stack: Deployed, want: Wanted, template=BODY, policy=POLICY):
    """Drive compare as the executor does, reading only what it asks for; return (comparison, reads)."""
    reads = []
    while True:
        comparison = state.compare(stack, want)
        if comparison.verdict is Verdict.READ_TEMPLATE:
            reads.append("GetTemplate")
            stack = Deployed(**{**stack.__dict__, "template_body": template})
        elif comparison.verdict is Verdict.READ_POLICY:
            reads.append("GetStackPolicy")
            stack = Deployed(**{**stack.__dict__, "stack_policy": policy})
        else:
            return comparison, reads


def test_everything_equal_is_skipped_after_reading_template_and_policy():
    comparison, reads = run_compare(deployed(), wanted())
    assert comparison == state.Comparison(Verdict.SKIP, frozenset())
    assert reads == ["GetTemplate", "GetStackPolicy"]


def test_without_a_policy_to_set_the_policy_is_never_read():
    comparison, reads = run_compare(deployed(), wanted(stack_policy=None), policy="never read")
    assert comparison.verdict is Verdict.SKIP and comparison.follow_ups == frozenset()
    assert reads == ["GetTemplate"]


@pytest.mark.parametrize("field, value", [
    ("parameters", {"Name": "x", "Size": "2"}),
    ("parameters", {"Name": "x"}),                             # a parameter the stack does not have
    ("parameters", {"Name": "****", "Size": "1"}),             # NoEcho: never equal
    ("tags", {"Environment": "prod", "Team": "edge"}),
    ("tags", {}),
    ("capabilities", frozenset({"CAPABILITY_IAM"})),
    ("capabilities", frozenset()),
])
def test_a_difference_in_what_describe_stacks_shows_makes_a_change_set_without_reading_more(field, value):
    comparison, reads = run_compare(deployed(**{field: value}), wanted())
    assert comparison.verdict is Verdict.CHANGE_SET and reads == []


@pytest.mark.parametrize("template", [BODY + "Outputs: {}\n", BODY.replace("SNS::Topic", "SQS::Queue"), None])
def test_a_different_template_makes_a_change_set_without_reading_the_policy(template):
    comparison, reads = run_compare(deployed(), wanted(), template=template)
    assert comparison.verdict is Verdict.CHANGE_SET and reads == ["GetTemplate"]


def test_force_always_makes_a_change_set_and_reads_nothing():
    comparison, reads = run_compare(deployed(), wanted(force=True))
    assert comparison.verdict is Verdict.CHANGE_SET and reads == []


@pytest.mark.parametrize("policy", [None, stack_policy(["WafLedgerTable"]), '{"Statement": []}', "not json"])
def test_an_unchanged_stack_whose_policy_differs_gets_the_policy_without_a_change_set(policy):
    comparison, _ = run_compare(deployed(), wanted(), policy=policy)
    assert comparison == state.Comparison(Verdict.SKIP, frozenset({FollowUp.STACK_POLICY}))


def test_policies_are_compared_as_json_documents():
    reordered = json.dumps(json.loads(POLICY), indent=2, sort_keys=False)
    comparison, _ = run_compare(deployed(), wanted(), policy=reordered)
    assert comparison.follow_ups == frozenset()


def test_an_unchanged_stack_without_termination_protection_gets_it_without_a_change_set():
    comparison, _ = run_compare(deployed(termination_protection=False), wanted())
    assert comparison == state.Comparison(Verdict.SKIP, frozenset({FollowUp.TERMINATION_PROTECTION}))


def test_protection_is_never_turned_off_and_both_follow_ups_combine():
    comparison, _ = run_compare(deployed(), wanted(termination_protection=False))
    assert comparison.follow_ups == frozenset()
    comparison, _ = run_compare(deployed(termination_protection=False), wanted(), policy=None)
    assert comparison.follow_ups == frozenset({FollowUp.TERMINATION_PROTECTION, FollowUp.STACK_POLICY})


def test_a_read_that_was_already_made_is_not_asked_for_again():
    known = deployed(template_body=BODY, stack_policy=POLICY)
    assert state.compare(known, wanted()).verdict is Verdict.SKIP


# -- 3. after the change set --------------------------------------------------------------------------


@pytest.mark.parametrize("seen, expected", [
    (ChangeSetSeen(created=True, status="CREATE_COMPLETE"), state.ChangeSetDecision(Next.REVIEW)),
    (ChangeSetSeen(created=False), state.ChangeSetDecision(Next.UNCHANGED)),   # "No updates" at once
    (ChangeSetSeen(created=True, status="FAILED", reason="The submitted information didn't contain changes.",
                   no_changes=True), state.ChangeSetDecision(Next.UNCHANGED)),
    (ChangeSetSeen(created=True, status="FAILED", reason="Template format error: bad"),
     state.ChangeSetDecision(Next.FAIL, "change set failed: Template format error: bad")),
    (ChangeSetSeen(created=True, status="DELETE_COMPLETE"),
     state.ChangeSetDecision(Next.FAIL, "change set failed: DELETE_COMPLETE")),
])
def test_what_follows_a_computed_change_set(seen, expected):
    assert state.after_change_set(seen) == expected


# -- 4. after execution ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind, status, result", [
    ("CREATE", "CREATE_COMPLETE", Result.CREATED),
    ("UPDATE", "UPDATE_COMPLETE", Result.UPDATED),
    ("CREATE", "IMPORT_COMPLETE", Result.CREATED),
    ("UPDATE", "UPDATE_ROLLBACK_COMPLETE", Result.FAILED),
    ("UPDATE", "UPDATE_ROLLBACK_FAILED", Result.FAILED),
    ("CREATE", "ROLLBACK_COMPLETE", Result.FAILED),
    ("CREATE", None, Result.FAILED),                            # the stack is gone
])
def test_the_final_status_after_execution(kind, status, result):
    assert state.after_execution(kind, status).result is result


def test_failure_hints_name_the_way_on():
    assert "--recreate-failed" in state.after_execution("CREATE", "ROLLBACK_COMPLETE").hint
    rolled_back = state.after_execution("UPDATE", "UPDATE_ROLLBACK_COMPLETE", carries_release=True)
    assert "keeps the previous Lambda@Edge versions" in rolled_back.hint
    assert state.after_execution("UPDATE", "UPDATE_ROLLBACK_COMPLETE").hint == ""


def test_outputs_are_used_only_from_settled_stacks():
    assert state.UPDATABLE_STATUSES == {s for s, c in ALL_STATUSES.items() if c is StatusClass.UPDATABLE}


def test_results_that_are_ok_and_those_that_skip_dependents():
    assert state.OK_RESULTS == {Result.CREATED, Result.UPDATED, Result.UNCHANGED, Result.PLANNED}
    assert state.BLOCKING_RESULTS == {Result.FAILED, Result.SKIPPED, Result.INTERRUPTED}
    as_json = json.dumps({"result": Result.UNCHANGED, "action": Action.NONE})
    assert as_json == '{"result": "unchanged", "action": "none"}'


# -- verified revisions: a template read back equal is not read again while the stack's revision holds ---


def test_a_record_of_the_wanted_template_stands_in_for_get_template_but_never_for_the_policy():
    recorded = state.record_digest(wanted())
    comparison, reads = run_compare(state.known_from_record(deployed(), wanted(), recorded), wanted())
    assert comparison.verdict is Verdict.SKIP and reads == ["GetStackPolicy"]


def test_a_record_of_another_template_or_none_leaves_the_template_to_be_read():
    other = state.record_digest(wanted(template_body=BODY + "\n# edited"))
    for recorded in (None, other, ""):
        comparison, reads = run_compare(state.known_from_record(deployed(), wanted(), recorded), wanted(),
                                        template=BODY + "\n# edited")
        assert comparison.verdict is Verdict.CHANGE_SET and reads == ["GetTemplate"]


def test_a_record_never_hides_what_describe_stacks_shows():
    recorded = state.record_digest(wanted())
    stack = state.known_from_record(deployed(parameters={"Name": "by-hand", "Size": "1"}), wanted(), recorded)
    assert run_compare(stack, wanted()) == (state.Comparison(Verdict.CHANGE_SET), [])


def test_only_a_no_op_whose_template_was_really_read_is_recorded():
    read = deployed()
    assert state.worth_recording(read, state.Comparison(Verdict.SKIP, frozenset({FollowUp.STACK_POLICY})))
    assert not state.worth_recording(read, state.Comparison(Verdict.CHANGE_SET))
    from_record = state.known_from_record(read, wanted(), state.record_digest(wanted()))
    assert not state.worth_recording(from_record, state.Comparison(Verdict.SKIP))


def test_a_revision_is_the_stack_id_and_its_last_update():
    from datetime import datetime, timezone

    when = datetime(2026, 12, 3, 14, 0, 0, 123000, tzinfo=timezone.utc)
    assert state.revision("arn:stack/a/1", when) == "arn:stack/a/1@2026-12-03T14:00:00.123000+00:00"
    assert state.revision("arn:stack/a/1", None) == "arn:stack/a/1@-"
