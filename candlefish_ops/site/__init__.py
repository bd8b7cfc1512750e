"""`candlefish site`: publish a website build to the edge (changed files only, safe order, precise invalidation)."""
