-- All of a scratch file's {table} (the merge keeps only what the merged runs wrote).
SELECT * FROM {table}
