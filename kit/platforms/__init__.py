"""The course platforms: bundle builders (``builders``) and the script the bundles run on
Gradescope and Autolab (``platform_run``)."""
