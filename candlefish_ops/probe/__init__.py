"""`candlefish probe`: the seed's load test (static asset, API call, WebSocket ping) against any site."""
