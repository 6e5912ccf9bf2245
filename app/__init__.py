"""DVW's two faces: the ``dvw`` command line and (later) the desktop GUI. Imports every core package."""
