"""Load-test kit for the Messages API: timed client, scenarios, shapes, one measurement pipeline, reports.

Used by the Locust files next to it (``loadtests/locustfile.py``, ``loadtests/openloop.py``) and by
``loadtests/run.py`` (what ``make load``, ``make load-ui`` and ``make load-dist`` call).
"""
