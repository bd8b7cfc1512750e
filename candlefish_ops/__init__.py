"""candlefish: the operations CLI for the Candlefish.ai edge platform on AWS."""

__version__ = "0.1.0"
