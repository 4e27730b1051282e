"""The shared stages in request order: contract validation, semantic rules, rate limits, faults, pacing."""
