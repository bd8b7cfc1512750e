"""The deploy engine: plan stacks into dependency batches, then run each through a change set."""
