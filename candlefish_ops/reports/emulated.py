"""The reports' public face for the local emulator's seed: the markers the reports recognise as emulated data,
and what a seed needs to build a bill the reports will read (the environment tag, the period parser, the clock).
The emulator (candlefish_ops.local) imports these names from here, never the report internals."""

from candlefish_ops.reports.clock import today
from candlefish_ops.reports.collect_costs import EMULATED_MARKER, environment_tag
from candlefish_ops.reports.collect_health import EMULATED_METRIC, EMULATED_NAMESPACE
from candlefish_ops.reports.costs import MAX_HISTORY_MONTHS, parse_period

__all__ = ["EMULATED_MARKER", "EMULATED_METRIC", "EMULATED_NAMESPACE", "MAX_HISTORY_MONTHS", "environment_tag",
           "parse_period", "today"]
