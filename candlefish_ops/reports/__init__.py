"""`candlefish report`: what the stack costs (Cost Explorer) and whether it meets its targets (CloudWatch)."""
