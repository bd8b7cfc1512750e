"""AWS Backup in CloudFormation: AWS::Backup::BackupVault and AWS::Backup::BackupPlan.

Created in moto's Backup backend (describe_backup_vault / get_backup_plan see them): the vault's name,
encryption key and tags; the plan's name, rules (target vault, schedule, start and completion windows,
lifecycle, copy actions, recovery point tags) and advanced settings. AWS::Backup::BackupSelection stays
unregistered ("not emulated"): moto's Backup has no backup selections.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from ._cfn import BackendHandle, properties_of

from candlefish_ops.local.moto.compat import backend

_RULE_KEYS = ("RuleName", "ScheduleExpression", "StartWindowMinutes", "CompletionWindowMinutes", "Lifecycle",
              "RecoveryPointTags", "CopyActions", "EnableContinuousBackup", "ScheduleExpressionTimezone")


def _backend(account_id: str, region_name: str) -> Any:

    return backend("backup", account_id, region_name)


class CfnBackupVault(BackendHandle, CloudFormationModel):
    """AWS::Backup::BackupVault: Ref = the name; GetAtt BackupVaultArn, BackupVaultName."""

    cfn_type = "AWS::Backup::BackupVault"
    ref_attribute = "name"
    attributes = {"BackupVaultArn": "arn", "BackupVaultName": "name"}

    def __init__(self, name: str, arn: str) -> None:
        self.name, self.arn = name, arn

    name_type = "BackupVaultName"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnBackupVault:
        props = properties_of(cloudformation_json)
        vault = _backend(account_id, region_name).create_backup_vault(
            resource_name, dict(props.get("BackupVaultTags") or {}), props.get("EncryptionKeyArn"), None)
        return cls(vault.backup_vault_name, vault.backup_vault_arn)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).vaults.pop(self.name, None)


def plan_to_api(plan: dict[str, Any]) -> dict[str, Any]:
    rules = []
    for rule in plan.get("BackupPlanRule", []):
        api_rule = {key: rule[key] for key in _RULE_KEYS if key in rule}
        api_rule["TargetBackupVaultName"] = rule["TargetBackupVault"]
        rules.append(api_rule)
    api: dict[str, Any] = {"BackupPlanName": plan["BackupPlanName"], "Rules": rules}
    if "AdvancedBackupSettings" in plan:
        api["AdvancedBackupSettings"] = plan["AdvancedBackupSettings"]
    return api


class CfnBackupPlan(BackendHandle, CloudFormationModel):
    """AWS::Backup::BackupPlan: Ref = the plan id; GetAtt BackupPlanArn, BackupPlanId, VersionId."""

    cfn_type = "AWS::Backup::BackupPlan"
    ref_attribute = "plan_id"
    attributes = {"BackupPlanArn": "arn", "BackupPlanId": "plan_id", "VersionId": "version_id"}

    def __init__(self, plan: Any) -> None:
        self.plan_id, self.arn, self.version_id = plan.backup_plan_id, plan.backup_plan_arn, plan.version_id

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnBackupPlan:
        props = properties_of(cloudformation_json)
        plan = _backend(account_id, region_name).create_backup_plan(
            plan_to_api(props["BackupPlan"]), dict(props.get("BackupPlanTags") or {}), None)
        return cls(plan)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).plans.pop(self.plan_id, None)
