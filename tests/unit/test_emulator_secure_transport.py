"""The emulator's reading of `aws:SecureTransport` (its requests stand for TLS ones)."""

from candlefish_ops.local.moto.extensions.s3_secure_transport import applicable_statements

DENY_HTTP = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
DENY_TLS = {**DENY_HTTP, "Condition": {"Bool": {"aws:SecureTransport": ["true"]}}}
OTHER = {"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
         "Resource": "*", "Condition": {"StringLike": {"AWS:SourceArn": "arn:aws:cloudfront::1:distribution/*"}}}


def test_deny_on_plain_http_does_not_apply_and_deny_on_tls_applies_unconditionally():
    assert applicable_statements([DENY_HTTP, OTHER]) == [OTHER]
    [statement] = applicable_statements([DENY_TLS])
    assert "Condition" not in statement and statement["Effect"] == "Deny"


def test_other_bool_keys_are_kept():
    mixed = {**DENY_TLS, "Condition": {"Bool": {"aws:SecureTransport": "true", "aws:MultiFactorAuthPresent": "false"}}}
    [statement] = applicable_statements([mixed])
    assert statement["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
