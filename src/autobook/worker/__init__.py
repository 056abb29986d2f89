"""What runs when: clock sync with the sites, precise release timing, strategies and dispatch."""
