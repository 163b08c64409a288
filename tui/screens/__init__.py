"""The app's screens: browse, concert, downloads, library, queue, help."""
