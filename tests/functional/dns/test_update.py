"""`candlefish dns update` against the emulator, records read back with boto3."""

def test_first_update_creates_everything(site, cli):
    result = cli("dns", "update", "staging", "--yes", "--config-dir", site.config_dir)
    assert result.exit_code == 0, result.stderr
    apex = site.record("example.com.", "A", "primary")
    assert apex["AliasTarget"]["HostedZoneId"] == "Z2FDTNDATAQYW2"
    print(result.stdout, result.stderr)
