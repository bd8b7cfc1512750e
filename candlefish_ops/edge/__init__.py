"""The Lambda@Edge release: package lambdas/ per environment, upload, deploy through the edge stack."""
