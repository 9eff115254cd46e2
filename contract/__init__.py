"""The API's contract checked against a live server: schemathesis against gunicorn (``make schema-check``,
``python contract/schema_check.py``), once in CI. Not a benchmark; the measured runs are in contract/README.md."""
