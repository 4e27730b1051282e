"""HTTP only: the ASGI app and its route table, the journal, stats and the admin API under ``/_mock/``."""
