"""Fixtures of the dns functional tests: a deployed-looking site, and the change batches moto receives."""

from __future__ import annotations

import pytest

from tests.functional.dns.site_builder import Site, build_site


@pytest.fixture
def site(aws, tmp_path) -> Site:
    return build_site(aws, tmp_path)


@pytest.fixture
def change_batches(monkeypatch) -> list[list[dict]]:
    """Every change batch the emulator receives (observed inside moto, not in candlefish)."""
    from moto.route53.models import Route53Backend

    seen: list[list[dict]] = []
    original = Route53Backend.change_resource_record_sets

    def recording(self, zoneid, change_list):
        seen.append(list(change_list))
        return original(self, zoneid, change_list)

    monkeypatch.setattr(Route53Backend, "change_resource_record_sets", recording)
    return seen
