"""What students receive: handout/ generated from solution/ (``handout``) and the bundle
dist/mytorch-handout.tar.gz built from it (``bundle``)."""
