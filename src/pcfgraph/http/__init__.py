"""HTTP plumbing shared by the HTTP edges (``api`` and ``web``): request bodies under limits,
multipart uploads, walking an app's routes. No routes and no app here; only edges (and the
composition root) import it, and it imports only the core."""
