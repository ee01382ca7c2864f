"""HTTP edge: the API's routers and middlewares (thin over the shared core); the app is put
together by the composition root, :func:`pcfgraph.serving.create_app`."""
