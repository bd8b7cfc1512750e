"""AWS Backup vaults and plans of a stack are materialised in the emulator's Backup service."""

from __future__ import annotations

TEMPLATE = {
    "Resources": {
        "Vault": {"Type": "AWS::Backup::BackupVault", "Properties": {
            "BackupVaultName": "production-candlefish",
            "EncryptionKeyArn": "arn:aws:kms:us-east-1:123456789012:key/k"}},
        "Plan": {"Type": "AWS::Backup::BackupPlan", "Properties": {"BackupPlan": {
            "BackupPlanName": "production-candlefish-hourly",
            "BackupPlanRule": [{"RuleName": "hourly", "TargetBackupVault": {"Ref": "Vault"},
                                "ScheduleExpression": "cron(0 * ? * * *)", "StartWindowMinutes": 60,
                                "CompletionWindowMinutes": 120, "Lifecycle": {"DeleteAfterDays": 7}}]}}},
    },
    "Outputs": {"PlanId": {"Value": {"Ref": "Plan"}}, "VaultArn": {"Value": {"Fn::GetAtt": ["Vault", "BackupVaultArn"]}}},
}


def test_vault_and_plan_are_readable_and_deleted(stack, client):
    backup = client("backup")
    stack.create(TEMPLATE)
    outputs = stack.outputs()

    vault = backup.describe_backup_vault(BackupVaultName="production-candlefish")
    assert vault["BackupVaultArn"] == outputs["VaultArn"] and vault["EncryptionKeyArn"].endswith("key/k")
    plan = backup.get_backup_plan(BackupPlanId=outputs["PlanId"])["BackupPlan"]
    [rule] = plan["Rules"]
    assert plan["BackupPlanName"] == "production-candlefish-hourly"
    assert rule["TargetBackupVaultName"] == "production-candlefish" and rule["Lifecycle"] == {"DeleteAfterDays": 7}
    assert rule["ScheduleExpression"] == "cron(0 * ? * * *)" and rule["StartWindowMinutes"] == 60

    stack.delete()
    assert backup.list_backup_vaults()["BackupVaultList"] == []
    assert backup.list_backup_plans()["BackupPlansList"] == []
