"""Meshes from masks and volumes, mesh quality and metrics, mesh files (patient LPS mm)."""
