"""Firehose delivery streams of a stack are materialised in the emulator's Firehose service."""

from __future__ import annotations

TEMPLATE = {
    "Resources": {"WafLogs": {"Type": "AWS::KinesisFirehose::DeliveryStream", "Properties": {
        "DeliveryStreamName": "aws-waf-logs-production", "DeliveryStreamType": "DirectPut",
        "DeliveryStreamEncryptionConfigurationInput": {"KeyType": "AWS_OWNED_CMK"},
        "ExtendedS3DestinationConfiguration": {
            "BucketARN": "arn:aws:s3:::production-logs", "RoleARN": "arn:aws:iam::123456789012:role/waf-logs",
            "Prefix": "waf/", "CompressionFormat": "GZIP",
            "BufferingHints": {"IntervalInSeconds": 300, "SizeInMBs": 64}}}}},
    "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["WafLogs", "Arn"]}}, "Name": {"Value": {"Ref": "WafLogs"}}},
}


def test_delivery_stream_is_readable_and_deleted_with_the_stack(stack, client):
    firehose = client("firehose")
    stack.create(TEMPLATE)
    outputs = stack.outputs()

    description = firehose.describe_delivery_stream(DeliveryStreamName=outputs["Name"])["DeliveryStreamDescription"]
    assert description["DeliveryStreamARN"] == outputs["Arn"]
    [destination] = description["Destinations"]
    s3 = destination["ExtendedS3DestinationDescription"]
    assert s3["BucketARN"] == "arn:aws:s3:::production-logs" and s3["CompressionFormat"] == "GZIP"
    assert s3["BufferingHints"] == {"IntervalInSeconds": 300, "SizeInMBs": 64}

    stack.delete()
    assert firehose.list_delivery_streams()["DeliveryStreamNames"] == []
