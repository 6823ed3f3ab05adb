"""Real HTTP servers on 127.0.0.1 that speak each provider's wire protocol, for tests and
benchmarks. See ``base.py`` for how replies are scripted."""
