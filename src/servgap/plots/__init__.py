"""Plot implementations; the public entry is `servgap.plotting`."""
