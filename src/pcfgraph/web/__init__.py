"""The web workbench: server-rendered pages over the same reads as the APIs."""
