"""Styles generated from the shared catalogue: QGIS (.qml), SLD/SE and the web map's own."""
