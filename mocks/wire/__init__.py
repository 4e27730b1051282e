"""ASGI plumbing below the routes: the Request the pipeline sees and how an answer goes on the wire."""
