"""What users import into their suites: the pytest plugin, the in-process mock, transports, ``responses``,
the network guard and the admin client. Nothing in the server imports this package."""
