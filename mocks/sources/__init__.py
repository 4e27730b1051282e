"""Where an answer comes from, asked in order: recordings, rules, the upstream (record mode), synthesis."""
