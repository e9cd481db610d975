"""Import of the pages the system Parallax replaces published (`parallax import-seed`)."""
