"""DICOM import, volumes and masks in patient coordinates (LPS mm, HU). Imports no other DVW package."""
