-- The columns of a table ({table}), in order.
DESCRIBE {table}
