"""The only place candlefish calls AWS: one small typed module per service, over a boto3 Session."""
