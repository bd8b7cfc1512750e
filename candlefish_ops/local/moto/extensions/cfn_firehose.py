"""Kinesis Data Firehose in CloudFormation: AWS::KinesisFirehose::DeliveryStream.

The stream is created in moto's Firehose backend (describe_delivery_stream sees it) with its type,
encryption input, source and destination configuration (S3, extended S3, Redshift, Elasticsearch, Splunk,
HTTP endpoint, Snowflake, Iceberg; CloudFormation spells them as the API does) and tags.
Ref = the stream name; GetAtt Arn. Any change replaces the stream.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from ._cfn import BackendHandle, properties_of, tag_list
from candlefish_ops.local.moto.compat import backend

_DESTINATIONS = {
    "S3DestinationConfiguration": "s3_destination_configuration",
    "ExtendedS3DestinationConfiguration": "extended_s3_destination_configuration",
    "RedshiftDestinationConfiguration": "redshift_destination_configuration",
    "ElasticsearchDestinationConfiguration": "elasticsearch_destination_configuration",
    "SplunkDestinationConfiguration": "splunk_destination_configuration",
    "HttpEndpointDestinationConfiguration": "http_endpoint_destination_configuration",
    "SnowflakeDestinationConfiguration": "snowflake_destination_configuration",
    "IcebergDestinationConfiguration": "iceberg_destination_configuration",
}


def _backend(account_id: str, region_name: str) -> Any:

    return backend("firehose", account_id, region_name)


class CfnDeliveryStream(BackendHandle, CloudFormationModel):
    """AWS::KinesisFirehose::DeliveryStream."""

    cfn_type = "AWS::KinesisFirehose::DeliveryStream"
    ref_attribute = "name"
    attributes = {"Arn": "arn"}

    def __init__(self, name: str, arn: str) -> None:
        self.name, self.arn = name, arn

    name_type = "DeliveryStreamName"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> CfnDeliveryStream:
        props = properties_of(cloudformation_json)
        destinations = {argument: props.get(key) for key, argument in _DESTINATIONS.items()}
        arn = _backend(account_id, region_name).create_delivery_stream(
            region=region_name, delivery_stream_name=resource_name,
            delivery_stream_type=props.get("DeliveryStreamType", "DirectPut"),
            kinesis_stream_source_configuration=props.get("KinesisStreamSourceConfiguration"),
            delivery_stream_encryption_configuration_input=props.get("DeliveryStreamEncryptionConfigurationInput"),
            tags=tag_list(props.get("Tags")), **destinations)
        return cls(resource_name, arn)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        if self.name in backend.delivery_streams:
            backend.delete_delivery_stream(self.name)
