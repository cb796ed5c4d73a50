"""What a batch keeps and publishes: the SQLite gradebook (``store``) and, from it, grades.csv,
feedback files and score plots (``exports``)."""
