"""Reference solutions, one folder per exercise set (the source the student stubs are made from)."""
