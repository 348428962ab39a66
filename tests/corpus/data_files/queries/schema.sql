CREATE TABLE items (name TEXT, price INTEGER);
INSERT INTO items VALUES ('pear', 3), ('apple', 2), ('plum', 5);
