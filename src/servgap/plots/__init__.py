"""Plot implementations; the public entry is :mod:`servgap.plotting`."""
