"""`candlefish waf`: addresses, expiry, the ledger and its reconciliation, planning, and the executor
(`service.WafManager`). AWS calls go through `candlefish_ops.aws.wafv2` and `candlefish_ops.aws.dynamodb`."""
