"""`candlefish cdn`: CloudFront invalidations, validated and planned before any call."""
