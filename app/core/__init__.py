"""Plumbing every capability uses: settings, database, problems, CRS, paths, OpenAPI, migrations."""
