"""Run a probe: the plan from the environment and the options, the load, the verdicts."""

from __future__ import annotations

from candlefish_ops.probe import plan as planning


def run_probe(environment, *, url: str | None, users, duration, ramp, targets: list[str], think=None,
              progress=None, websocket: bool = True) -> dict:
    from candlefish_ops.errors import ValidationError
    from candlefish_ops.probe.runner import Probe

    import asyncio

    target = url or (f"https://{environment.domain}" if environment.domain else None)
    if not target:
        raise ValidationError(f"{environment.file}: no domain to probe; pass --url")
    probe_plan = planning.build(environment.probe, environment.reports.targets, url=target, users=users,
                                duration=duration, ramp=ramp, target_overrides=targets, think=think,
                                websocket=websocket)
    probe = Probe(probe_plan)
    summary = asyncio.run(probe.run(progress))
    thresholds = planning.evaluate(summary, probe_plan)
    requests = sum(s["requests"] for s in summary.values())
    return {"environment": environment.name, "url": probe_plan.base_url, "users": probe_plan.users,
            "duration_s": probe_plan.duration, "think_s": probe_plan.think, "requests_per_second": requests / probe.elapsed,
            "requests": summary, "thresholds": thresholds,
            "ok": all(t["result"] != "FAIL" for t in thresholds)}
