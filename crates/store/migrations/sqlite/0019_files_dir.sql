-- Evidence files may live in a configured directory by content hash (--files-dir): the
-- database then keeps the metadata, `content` is empty and `in_dir` is 1.
ALTER TABLE file_blobs ADD COLUMN in_dir INTEGER NOT NULL DEFAULT 0;
